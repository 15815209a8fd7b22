"""The one exception type the assessment engine raises, with a stable snake_case code (the API answers 422)."""

from __future__ import annotations

from workers.errors import INVALID_SCORING_CONFIG, UNKNOWN_SCORING_VERSION, WorkError


class AttemptScoringError(WorkError):
    """Input the engine cannot score; `code` is stable and meant for API error bodies."""


CHOICE_OUT_OF_RANGE = "choice_out_of_range"
INVALID_CHOICE = "invalid_choice"
INVALID_ITEM = "invalid_item"
INVALID_ITEM_OUTCOME = "invalid_item_outcome"
INVALID_ITEM_RESULT = "invalid_item_result"
DUPLICATE_ITEM_ID = "duplicate_item_id"
UNKNOWN_ITEM_TYPE = "unknown_item_type"

__all__ = ["INVALID_SCORING_CONFIG", "UNKNOWN_SCORING_VERSION"]  # shared codes, named in workers.errors
