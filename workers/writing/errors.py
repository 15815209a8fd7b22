"""The one exception type the writing scorer raises, with a stable snake_case code."""

from __future__ import annotations

from workers.errors import INVALID_SCORING_CONFIG, UNKNOWN_SCORING_VERSION, WorkError


class WritingScoringError(WorkError):
    """A request the scorer cannot fulfil; `code` is stable and meant for API error bodies."""


UNKNOWN_ITEM_TYPE = "unknown_item_type"
INVALID_ITEM = "invalid_item"
INVALID_ANSWER = "invalid_answer"
INVALID_CONTEXT = "invalid_context"
INVALID_ITEM_RESULT = "invalid_item_result"
NO_ITEM_RESULTS = "no_item_results"
SCORING_VERSION_MISMATCH = "scoring_version_mismatch"

__all__ = ["INVALID_SCORING_CONFIG", "UNKNOWN_SCORING_VERSION"]  # shared codes, named in workers.errors
