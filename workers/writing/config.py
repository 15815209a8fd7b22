"""Versioned scoring configuration: every tunable number lives in versions/<version>.json."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.writing.errors import INVALID_SCORING_CONFIG, UNKNOWN_SCORING_VERSION, WritingScoringError

CURRENT_VERSION = "writing-v2"
VERSIONS_DIR = Path(__file__).parent / "versions"
_VERSION_NAME = re.compile(r"^writing-v[0-9]+$")
_REQUIRED_SECTIONS = (
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
)


@dataclass(frozen=True)
class ScoringConfig:
    version: str
    sha256: str
    params: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        section: dict[str, Any] = self.params[name]
        return section


def available_versions() -> list[str]:
    """Names of the scoring versions shipped with the package, oldest first."""
    names = [path.stem for path in VERSIONS_DIR.glob("writing-v*.json")]
    return sorted(names, key=lambda name: int(name.rsplit("v", 1)[1]))


def load_config(version: str | None = None) -> ScoringConfig:
    """The config of `version` (default: CURRENT_VERSION); cached and shared, so never mutate it."""
    chosen = version or CURRENT_VERSION
    if not isinstance(chosen, str) or not _VERSION_NAME.match(chosen):
        raise WritingScoringError(
            UNKNOWN_SCORING_VERSION, f"Unknown scoring version: {chosen!r}.", {"available": available_versions()}
        )
    return _load_cached(chosen)


@functools.lru_cache(maxsize=8)
def _load_cached(version: str) -> ScoringConfig:
    path = VERSIONS_DIR / f"{version}.json"
    if not path.is_file():
        raise WritingScoringError(
            UNKNOWN_SCORING_VERSION, f"Unknown scoring version: {version!r}.", {"available": available_versions()}
        )
    raw = path.read_bytes()
    params = json.loads(raw)
    _validate(version, params)
    return ScoringConfig(version=version, sha256=hashlib.sha256(raw).hexdigest(), params=params)


def _validate(version: str, params: dict[str, Any]) -> None:
    missing = [name for name in _REQUIRED_SECTIONS if name not in params]
    if params.get("version") != version or missing:
        raise WritingScoringError(
            INVALID_SCORING_CONFIG,
            f"Scoring config {version} is incomplete.",
            {"missing_sections": missing, "declared_version": params.get("version")},
        )
