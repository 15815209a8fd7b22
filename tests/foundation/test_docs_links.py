"""The README and the docs link nothing outside the repository: a newcomer with a clone can follow
every link (relative links must resolve, and nothing points above the repository's root)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.unit
LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)|`(\.\./[^`]+)`")


def _documents() -> list:
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def test_no_document_points_outside_the_repository():
    outside = []
    for document in _documents():
        for match in LINK.finditer(document.read_text(encoding="utf-8")):
            target = match.group(1) or match.group(2)
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            resolved = (document.parent / target).resolve()
            if not resolved.is_relative_to(REPO_ROOT) or not resolved.exists():
                outside.append(f"{document.relative_to(REPO_ROOT)}: {target}")
    assert outside == []
