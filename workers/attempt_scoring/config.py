"""Versioned attempt-scoring configuration: every number lives in versions/<version>.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workers.attempt_scoring.errors import AttemptScoringError
from workers.versions import VersionedConfig, VersionFiles

CURRENT_VERSION = "assessment-v1"
VERSIONS_DIR = Path(__file__).parent / "versions"
_FILES = VersionFiles(
    VERSIONS_DIR,
    "assessment",
    ("scale", "subscores", "subscore_labels", "spoken", "written", "mcq", "overall", "feedback"),
    AttemptScoringError,
)


@dataclass(frozen=True)
class AssessmentConfig(VersionedConfig):
    """The attempt scorer's parameters, with names for the figures it reads most."""

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
    return _FILES.available()


def load_config(version: str | None = None) -> AssessmentConfig:
    """The config of `version` (default: CURRENT_VERSION); cached and shared, so never mutate it."""
    loaded = _FILES.load(version or CURRENT_VERSION)
    if loaded.version not in _LOADED:
        _LOADED[loaded.version] = AssessmentConfig(loaded.version, loaded.sha256, loaded.params)
    return _LOADED[loaded.version]


_LOADED: dict[str, AssessmentConfig] = {}  # one object per version, as the loader's cache
