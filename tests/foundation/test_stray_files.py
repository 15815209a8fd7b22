"""Nothing large or left over from a local run is tracked: the same check pre-commit runs."""

from __future__ import annotations

import subprocess

import pytest

from devtools.stray_files import MAX_BYTES, problems
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.unit


def test_no_tracked_file_is_large_or_a_local_artefact(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    assert problems(tracked) == []


def test_the_check_names_what_it_refuses(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.bin").write_bytes(b"x" * (MAX_BYTES + 1))
    (tmp_path / "small.py").write_text("x = 1\n")
    found = problems(["answer.wav", ".schemathesis/report.json", "var/mongo/x", "big.bin", "small.py"])
    assert [line.split(":")[0] for line in found] == [
        "answer.wav",
        ".schemathesis/report.json",
        "var/mongo/x",
        "big.bin",
    ]
