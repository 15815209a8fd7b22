"""Versioned attempt-scoring configuration: every number lives in versions/<version>.json."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.assessment.errors import INVALID_SCORING_CONFIG, UNKNOWN_SCORING_VERSION, AssessmentError

CURRENT_VERSION = "assessment-v1"
VERSIONS_DIR = Path(__file__).parent / "versions"
_VERSION_NAME = re.compile(r"^assessment-v[0-9]+$")
_REQUIRED_SECTIONS = (
    "scale",
    "subscores",
    "subscore_labels",
    "spoken",
    "written",
    "mcq",
    "overall",
    "feedback",
)


@dataclass(frozen=True)
class AssessmentConfig:
    version: str
    sha256: str
    params: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        section: dict[str, Any] = self.params[name]
        return section

    @property
    def floor(self) -> int:
        return int(self.params["scale"]["min"])

    @property
    def ceiling(self) -> int:
        return int(self.params["scale"]["max"])

    @property
    def subscores(self) -> list[str]:
        """The subscores every report lists, in order (MCQ modules may add more after them)."""
        names: list[str] = self.params["subscores"]
        return names

    def label(self, subscore: str) -> str:
        """The subscore's name for people; a module's own subscore: its name, capitalised."""
        labels: dict[str, str] = self.params["subscore_labels"]
        return labels.get(subscore) or subscore.replace("_", " ").capitalize()


def available_versions() -> list[str]:
    """Names of the versions shipped with the package, oldest first."""
    names = [path.stem for path in VERSIONS_DIR.glob("assessment-v*.json")]
    return sorted(names, key=lambda name: int(name.rsplit("v", 1)[1]))


def load_config(version: str | None = None) -> AssessmentConfig:
    """The config of `version` (default: CURRENT_VERSION); cached and shared, so never mutate it."""
    chosen = version or CURRENT_VERSION
    if not isinstance(chosen, str) or not _VERSION_NAME.match(chosen):
        raise AssessmentError(
            UNKNOWN_SCORING_VERSION, f"Unknown scoring version: {chosen!r}.", {"available": available_versions()}
        )
    return _load_cached(chosen)


@functools.lru_cache(maxsize=8)
def _load_cached(version: str) -> AssessmentConfig:
    path = VERSIONS_DIR / f"{version}.json"
    if not path.is_file():
        raise AssessmentError(
            UNKNOWN_SCORING_VERSION, f"Unknown scoring version: {version!r}.", {"available": available_versions()}
        )
    raw = path.read_bytes()
    params = json.loads(raw)
    missing = [name for name in _REQUIRED_SECTIONS if name not in params]
    if params.get("version") != version or missing:
        raise AssessmentError(
            INVALID_SCORING_CONFIG,
            f"Scoring config {version} is incomplete.",
            {"missing_sections": missing, "declared_version": params.get("version")},
        )
    return AssessmentConfig(version=version, sha256=hashlib.sha256(raw).hexdigest(), params=params)
