"""Typed errors with stable snake_case codes that callers (API, Celery task) can store and show."""

from __future__ import annotations

from workers.errors import WorkError


class ScoringError(WorkError):
    """Every error the engine raises on purpose: WorkError(code, message, details), codes below."""


class AudioError(ScoringError):
    """The answer's audio cannot be used (empty, too large, too long, undecodable, ...)."""


class ModelError(ScoringError):
    """The recognition model is missing, or its files do not match the expected hash."""


class ItemError(ScoringError):
    """The item description is unusable (unknown item type, no expected text, a bad time limit)."""


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
UNKNOWN_ITEM_TYPE = "unknown_item_type"  # the same code as the writing and assessment engines
ITEM_TEXT_MISSING = "item_text_missing"
ITEM_TIME_LIMIT_INVALID = "item_time_limit_invalid"
