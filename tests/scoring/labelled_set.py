"""The labelled set of spoken answers, regenerated with espeak-ng + sox + ffmpeg for each test session.

Synthetic speech is a stand-in for students: good for checking that the engine
orders answers the way a teacher would, not for calibrating real-student scores.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class ReadItem:
    text: str
    substituted: tuple[str, str]  # (expected word, word said instead)
    dropped_text: str  # the text with several words left out
    dropped_words: tuple[str, ...]

    @property
    def substituted_text(self) -> str:
        expected, said = self.substituted
        return self.text.replace(expected, said, 1)


READ_ITEMS = {
    "library": ReadItem(
        "The students finished their homework before the library closed.",
        ("closed", "opened"),
        "The students finished before the library.",
        ("their", "homework", "closed"),
    ),
    "passport": ReadItem(
        "Please remember to bring your passport and two photographs to the office.",
        ("passport", "umbrella"),
        "Please bring your passport to the office.",
        ("remember", "two", "photographs"),
    ),
    "bakery": ReadItem(
        "My brother works at a small bakery near the train station.",
        ("bakery", "garage"),
        "My brother works near the station.",
        ("small", "bakery", "train"),
    ),
}
MULTI_SUBSTITUTED = ("library", {"homework": "laundry", "library": "market"})

# Story retelling: a five-sentence story (five key ideas by default) and retellings of it.
STORY = (
    "Anna lost her old brown dog in the park on Sunday morning. "
    "She looked everywhere and called his name for an hour. "
    "A young boy found the dog sleeping under a bench near the lake. "
    "He carried the dog back to Anna's house. "
    "Anna thanked the boy and gave him a big chocolate cake."
)
RETELLINGS = {
    # Every idea, partly in other words.
    "full": (
        "Anna lost her brown dog in the park one Sunday morning. She looked everywhere and called his name. "
        "A boy found the dog asleep under a bench by the lake. He carried the dog back to her house. "
        "Anna thanked him and gave him a chocolate cake."
    ),
    # The first ideas only: nothing of the walk home or the cake.
    "half": "Anna lost her brown dog in the park on Sunday. She called his name for an hour, and a boy found him.",
    "unrelated": (
        "I went to the shop yesterday and bought some bread and milk for my family. "
        "Then I watched a film on television."
    ),
}
HALF_RETELLING_MISSES = (
    "He carried the dog back to Anna's house.",
    "Anna thanked the boy and gave him a big chocolate cake.",
)
OPEN_QUESTION = ("What do you like to do at the weekend?", "At the weekend I usually play football with my friends.")


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


class SpeechSet:
    """Makes (once per session) and hands out the files of the labelled set."""

    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, name: str) -> Path:
        return self.directory / name

    def speak(self, name: str, text: str, speed: int = 160, voice: str = "en-us") -> Path:
        out = self.path(name)
        if not out.exists():
            raw = self.path(f"raw-{name}")
            _run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text])
            _run(["sox", "-R", str(raw), "-r", "16000", "-c", "1", str(out)])
        return out

    def silence(self, name: str, seconds: float) -> Path:
        out = self.path(name)
        if not out.exists():
            _run(["sox", "-R", "-n", "-r", "16000", "-c", "1", str(out), "trim", "0", str(seconds)])
        return out

    def synth(self, name: str, seconds: float, *effect: str) -> Path:
        out = self.path(name)
        if not out.exists():
            # -R seeds the noise generator: the same labelled set on every run and machine.
            _run(["sox", "-R", "-n", "-r", "16000", "-c", "1", str(out), "synth", str(seconds), *effect])
        return out

    def join(self, name: str, *parts: Path) -> Path:
        out = self.path(name)
        if not out.exists():
            _run(["sox", "-R", *map(str, parts), str(out)])
        return out

    def with_noise(self, name: str, speech: Path, noise_volume: float) -> Path:
        out = self.path(name)
        if not out.exists():
            seconds = subprocess.run(["soxi", "-D", str(speech)], capture_output=True, text=True, check=True).stdout
            noise = self.synth(f"noise-for-{name}", float(seconds), "whitenoise", "vol", str(noise_volume))
            _run(["sox", "-R", "-m", str(speech), str(noise), str(out)])
        return out

    def convert(self, name: str, source: Path, *codec: str) -> Path:
        out = self.path(name)
        if not out.exists():
            _run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *codec, str(out)])
        return out
