"""Versioned scoring configuration: every tunable number lives in versions/<version>.json."""

from __future__ import annotations

from pathlib import Path

from workers.versions import VersionedConfig, VersionFiles
from workers.writing.errors import WritingScoringError

CURRENT_VERSION = "writing-v2"
VERSIONS_DIR = Path(__file__).parent / "versions"
_FILES = VersionFiles(
    VERSIONS_DIR,
    "writing",
    (
        "limits",
        "scale",
        "typing",
        "sentence_completion",
        "dictation",
        "passage_reconstruction",
        "email_writing",
        "grammar",
        "vocabulary",
        "aggregation",
    ),
    WritingScoringError,
)
ScoringConfig = VersionedConfig  # the writing engine's name for its parameters


def available_versions() -> list[str]:
    """Names of the scoring versions shipped with the package, oldest first."""
    return _FILES.available()


def load_config(version: str | None = None) -> ScoringConfig:
    """The config of `version` (default: CURRENT_VERSION); cached and shared, so never mutate it."""
    return _FILES.load(version or CURRENT_VERSION)
