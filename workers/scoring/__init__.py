"""Spoken-answer scoring engine: offline, CPU, explained, versioned.

Plain Python (no Flask, no Celery), so a task, a script or a test can call it:

    from workers.scoring import score_spoken_answer
    result = score_spoken_answer("answer.webm", "The library closes at nine.", "read_aloud")

See README.md in this folder for the result format and the score mapping.
"""

from .audio import AudioLimits, load_audio
from .engine import ITEM_TYPES, score_spoken_answer
from .errors import AudioError, ItemError, ModelError, ScoringError
from .mapping import CURRENT_VERSION, load_config
from .recogniser import Recogniser, get_recogniser

__all__ = [
    "AudioError", "AudioLimits", "CURRENT_VERSION", "ITEM_TYPES", "ItemError", "ModelError", "Recogniser",
    "ScoringError", "get_recogniser", "load_audio", "load_config", "score_spoken_answer",
]
