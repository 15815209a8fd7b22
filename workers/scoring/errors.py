"""Typed errors with stable snake_case codes that callers (API, Celery task) can store and show."""

from __future__ import annotations

from workers.errors import WorkError


class ScoringError(WorkError):
    """Base class: every error the engine raises on purpose has a stable ``code``."""

    code = "scoring_error"

    def __init__(self, message: str, code: str | None = None, details: dict | None = None) -> None:
        super().__init__(code or self.code, message, details)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


class AudioError(ScoringError):
    """The answer's audio cannot be used (empty, too large, too long, undecodable, ...)."""

    code = "audio_error"


class ModelError(ScoringError):
    """The recognition model is missing, or its files do not match the expected hash."""

    code = "model_error"


class ItemError(ScoringError):
    """The item description is unusable (unknown item type, no expected text, a bad time limit)."""

    code = "item_invalid"


# The codes, listed once so documentation and tests can refer to them.
AUDIO_EMPTY = "audio_empty"
AUDIO_TOO_LARGE = "audio_too_large"
AUDIO_TOO_LONG = "audio_too_long"
AUDIO_UNDECODABLE = "audio_undecodable"
AUDIO_UNSUPPORTED_FORMAT = "audio_unsupported_format"
AUDIO_DECODE_TIMEOUT = "audio_decode_timeout"
AUDIO_NOT_FOUND = "audio_not_found"
MODEL_NOT_FOUND = "model_not_found"
MODEL_HASH_MISMATCH = "model_hash_mismatch"
ITEM_TYPE_UNKNOWN = "item_type_unknown"
ITEM_TEXT_MISSING = "item_text_missing"
ITEM_TIME_LIMIT_INVALID = "item_time_limit_invalid"
