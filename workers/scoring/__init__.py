"""Spoken-answer scoring engine: offline, CPU, explained, versioned.

Plain Python (no Flask, no Celery), so a task, a script or a test can call it:

    from workers.scoring import score_spoken_answer
    result = score_spoken_answer("answer.webm", "The library closes at nine.", "read_aloud")

See README.md in this folder for the result format and the score mapping.
"""

from workers.scoring.audio import AudioLimits, load_audio
from workers.scoring.engine import ITEM_TYPES, score_spoken_answer
from workers.scoring.errors import AudioError, ItemError, ModelError, ScoringError
from workers.scoring.mapping import CURRENT_VERSION, load_config
from workers.scoring.recogniser import Recogniser, get_recogniser

__all__ = [
    "CURRENT_VERSION",
    "ITEM_TYPES",
    "AudioError",
    "AudioLimits",
    "ItemError",
    "ModelError",
    "Recogniser",
    "ScoringError",
    "get_recogniser",
    "load_audio",
    "load_config",
    "score_spoken_answer",
]
