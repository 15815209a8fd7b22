"""Attempt scoring for AI-VERSANT: multiple-choice items, and one attempt's item results combined
into subscores and Overall on the 20-80 scale. Pure Python, deterministic, no I/O beyond reading
its versioned config; no Flask or Celery here.

    from workers.attempt_scoring import ItemOutcome, aggregate_attempt, score_mcq
    result = score_mcq({"question": "...", "options": ["a", "b"], "answer": 1}, 1)
    report = aggregate_attempt([ItemOutcome("i1", "mcq", "mcq", "reading", result)])

See README.md in this folder for the mapping the product promises.
"""

from workers.attempt_scoring.aggregate import aggregate_attempt
from workers.attempt_scoring.config import CURRENT_VERSION, AssessmentConfig, available_versions, load_config
from workers.attempt_scoring.errors import AttemptScoringError
from workers.attempt_scoring.feedback import student_feedback
from workers.attempt_scoring.mcq import score_mcq
from workers.attempt_scoring.numbers import round_half_up
from workers.attempt_scoring.outcome import SECTIONS, ItemOutcome

__all__ = [
    "CURRENT_VERSION",
    "SECTIONS",
    "AssessmentConfig",
    "AttemptScoringError",
    "ItemOutcome",
    "aggregate_attempt",
    "available_versions",
    "load_config",
    "round_half_up",
    "score_mcq",
    "student_feedback",
]
