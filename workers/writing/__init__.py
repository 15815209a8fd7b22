"""Written-answer scoring for AI-VERSANT: pure Python, offline, deterministic, explained.

    from workers.writing import score_written_answer, aggregate_written_results
    result = score_written_answer("dictation", "the meeting is on monday", {"text": "The meeting is on Monday."})

No Flask or Celery here: a task or a script calls these functions. See README.md in this folder.
"""

from workers.writing.aggregate import TRAIT_NAMES, aggregate_written_results
from workers.writing.config import CURRENT_VERSION, available_versions, load_config
from workers.writing.errors import WritingScoringError
from workers.writing.scoring import ITEM_TYPES, score_written_answer

__all__ = [
    "CURRENT_VERSION",
    "ITEM_TYPES",
    "TRAIT_NAMES",
    "WritingScoringError",
    "aggregate_written_results",
    "available_versions",
    "load_config",
    "score_written_answer",
]
