"""The error every engine raises for bad input: the job fails with this code and message."""

from __future__ import annotations

from typing import Any

# Codes every engine shares (workers/versions.py).
UNKNOWN_SCORING_VERSION = "unknown_scoring_version"
INVALID_SCORING_CONFIG = "invalid_scoring_config"


class WorkError(Exception):
    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
