"""Versioned scoring parameters, loaded one way for every engine.

Each engine keeps its numbers in `<engine>/versions/<family>-v<N>.json`. A file says its own
`version`, holds every section the engine needs, and never changes once it scored an answer: a
change is a new file. `VersionFiles.load` refuses an unknown version name and an incomplete file
with the engine's own error class, so a stored version can never pick arbitrary code paths.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workers.errors import INVALID_SCORING_CONFIG, UNKNOWN_SCORING_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from workers.errors import WorkError


@dataclass(frozen=True)
class VersionedConfig:
    """One version's parameters, as shipped (`sha256` of the file, for the record)."""

    version: str
    sha256: str
    params: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        section: dict[str, Any] = self.params[name]
        return section


class VersionFiles:
    """The versions of one family (e.g. "writing"), with the sections every file must hold."""

    def __init__(
        self,
        folder: Path,
        family: str,
        required_sections: tuple[str, ...],
        error: Callable[[str, str, dict[str, Any]], WorkError],
    ) -> None:
        self.folder, self.family, self.required = folder, family, required_sections
        self._error = error
        self._name = re.compile(rf"^{re.escape(family)}-v[0-9]+$")
        self._cached = functools.lru_cache(maxsize=8)(self._read)

    def available(self) -> list[str]:
        """The versions shipped, oldest first."""
        names = [path.stem for path in self.folder.glob(f"{self.family}-v*.json") if self._name.match(path.stem)]
        return sorted(names, key=lambda name: int(name.rsplit("v", 1)[1]))

    def load(self, version: str) -> VersionedConfig:
        """The parameters of `version`; cached and shared, so never mutate them."""
        if not isinstance(version, str) or not self._name.match(version):
            raise self._unknown(version)
        return self._cached(version)

    def _read(self, version: str) -> VersionedConfig:
        path = self.folder / f"{version}.json"
        if not path.is_file():
            raise self._unknown(version)
        raw = path.read_bytes()
        params = json.loads(raw)
        missing = [name for name in self.required if name not in params]
        if params.get("version") != version or missing:
            raise self._error(
                INVALID_SCORING_CONFIG,
                f"Scoring config {version} is incomplete.",
                {"missing_sections": missing, "declared_version": params.get("version")},
            )
        return VersionedConfig(version=version, sha256=hashlib.sha256(raw).hexdigest(), params=params)

    def _unknown(self, version: object) -> WorkError:
        return self._error(
            UNKNOWN_SCORING_VERSION, f"Unknown scoring version: {version!r}.", {"available": self.available()}
        )
