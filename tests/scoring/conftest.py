"""Session fixtures: the labelled speech set (built once) and a per-session score cache."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from tests.scoring.labelled_set import READ_ITEMS, SpeechSet
from workers.scoring import score_spoken_answer

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="session")
def speech_set(tmp_path_factory) -> SpeechSet:
    for tool in ("espeak-ng", "sox", "ffmpeg"):
        assert shutil.which(tool), f"{tool} is needed to build the labelled set (apt-get install {tool})"
    return SpeechSet(tmp_path_factory.mktemp("speech-set"))


@pytest.fixture(scope="session")
def read_aloud_clips(speech_set: SpeechSet) -> dict[str, dict[str, Path]]:
    """Per read-aloud item: correct, one word substituted, several dropped."""
    clips = {}
    for key, item in READ_ITEMS.items():
        clips[key] = {
            "correct": speech_set.speak(f"{key}-correct.wav", item.text),
            "substituted": speech_set.speak(f"{key}-substituted.wav", item.substituted_text),
            "dropped": speech_set.speak(f"{key}-dropped.wav", item.dropped_text),
        }
    return clips


class ScoreCache:
    """Scores each (file, item) once per session: scoring is the slow part of these tests."""

    def __init__(self):
        self._results: dict[tuple, dict] = {}

    def __call__(self, audio: Path, text: str, item_type: str = "read_aloud", accepted=None, **options) -> dict:
        """options: score_spoken_answer's keyword-only item options (key_ideas, max_answer_seconds)."""
        frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
        key = (str(audio), text, item_type, tuple(accepted or ()), frozen)
        if key not in self._results:
            self._results[key] = score_spoken_answer(audio, text, item_type, accepted, **options)
        return self._results[key]


@pytest.fixture(scope="session")
def score() -> ScoreCache:
    return ScoreCache()
