"""Prompts rendered once per session (rendering is the slow part) and a temporary directory to watch."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from workers.tts import RenderedAudio, render_prompt

SHORT_TEXT = "The library closes at nine."
LONG_TEXT = (
    "The library closes at nine tonight, so please return your books before then. "
    "The reading room on the second floor will stay open until eight."
)
PHRASES = ("after the meeting", "the manager will", "send the report")


@pytest.fixture(scope="session", autouse=True)
def _tools_installed() -> None:
    for tool in ("espeak-ng", "ffmpeg", "ffprobe", "sox"):
        assert shutil.which(tool), f"{tool} is needed (apt-get install {tool}; `make install` does it)"


@pytest.fixture(scope="session")
def short_prompt() -> RenderedAudio:
    return render_prompt(SHORT_TEXT)


@pytest.fixture(scope="session")
def long_prompt() -> RenderedAudio:
    return render_prompt(LONG_TEXT)


@pytest.fixture(scope="session")
def phrases_with_pauses() -> RenderedAudio:
    return render_prompt(phrases=PHRASES)


@pytest.fixture(scope="session")
def phrases_without_pauses() -> RenderedAudio:
    return render_prompt(phrases=PHRASES, phrase_pause_ms=0)


@pytest.fixture
def watched_tmp(tmp_path, monkeypatch):
    """The directory tempfile uses during the test, so a test can check nothing is left in it."""
    folder = tmp_path / "tempdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
