"""A labelled set of spoken answers made from real recordings, for bench_scoring_validity.py.

Recordings (Debian packages, installed by apt; nothing is downloaded here):
- asterisk-core-sounds-en-wav: English voice prompts read by Allison Smith (CC-BY-SA-3.0), 8 kHz
  mono WAV, with their transcripts in asterisk-core-sounds-en (``name: Text.`` lines).
- alsa-utils: /usr/share/sounds/alsa/<Front_Center...>.wav, a voice saying the two words of the name.

Only top-level prompts whose text is said as written are used: no [tones], digits, symbols,
acronyms read letter by letter (IAX, PBX) or web addresses; one typo of the transcript file is
corrected (TRANSCRIPT_FIXES).
Passages (prompts of 6 to 30 words) each give five answers, one per level (the number is the
level's rank, used for the rank correlation): clean (4), noisy at 10 dB SNR (3), truncated to
the first half (2), scored against another passage's text (1), silence (0). Short answers (alsa
files and prompts of 1 to 3 words) are scored as ``repeat`` items. Everything is deterministic:
the only randomness is numpy Generators seeded from the run's seed and the recording's name.

Importing this module does nothing but define names.
"""

from __future__ import annotations

import gzip
import io
import re
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

ASTERISK_DIR = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
ALSA_DIR = Path("/usr/share/sounds/alsa")
ALSA_NAMES = (
    "Front_Center",
    "Front_Left",
    "Front_Right",
    "Rear_Center",
    "Rear_Left",
    "Rear_Right",
    "Side_Left",
    "Side_Right",
)

PASSAGE_WORDS = (6, 30)
SHORT_WORDS = (1, 3)
NOISE_SNR_DB = 10.0
SILENCE_DBFS = -60.0
MAX_SHARED_WORDS = 2  # a wrong text shares at most this many distinct words with the one spoken

LEVELS = {"clean": 4, "noisy": 3, "truncated": 2, "wrong_text": 1, "silence": 0}

_ALLOWED_TEXT = re.compile(r"[A-Za-z\s.,?!'\-;:]+")
# Read otherwise than written: acronyms spelled letter by letter (IAX, PBX) and web addresses.
_NOT_AS_WRITTEN = re.compile(r"\b[A-Z]{2,}\b|\w\.\w")
_WORD = re.compile(r"[A-Za-z']+")
_INT16_SCALE = 32768.0
# Typos in the transcript file: the recording says the word right.
TRANSCRIPT_FIXES = {"represenatives": "representatives"}

T = TypeVar("T")


class MissingRecordingsError(RuntimeError):
    """A folder or file of recordings is absent: ``package`` is the apt package that installs it."""

    def __init__(self, path: Path, package: str) -> None:
        super().__init__(f"{path} not found: install the Debian package {package} (apt-get install {package})")
        self.path, self.package = path, package


@dataclass(frozen=True, eq=False)
class Recording:
    source: str  # "asterisk" or "alsa"
    name: str
    text: str
    samples: np.ndarray  # float32 in [-1, 1]
    rate: int


@dataclass(frozen=True)
class Answer:
    """One answer to score: audio as WAV bytes, the text and item type it is scored against."""

    group: str  # "passage" or "short"
    source: str  # "asterisk" or "alsa"
    clip: str  # the recording's name
    level: str  # a LEVELS key for passages; "correct" for short answers
    item_type: str
    expected_text: str
    spoken_text: str  # what the recording says (differs from expected_text for wrong_text)
    wav: bytes
    seconds: float

    @property
    def level_number(self) -> int | None:
        return LEVELS.get(self.level)


@dataclass(frozen=True)
class Corpus:
    passages: list[Answer]  # five per passage, in LEVELS order
    short: list[Answer]


# ---------------------------------------------------------------- files


def check_installed() -> None:
    """Raise MissingRecordingsError naming the apt package for the first absent source."""
    for path, package in (
        (ASTERISK_DIR, "asterisk-core-sounds-en-wav"),
        (ASTERISK_TRANSCRIPTS, "asterisk-core-sounds-en"),
        (ALSA_DIR, "alsa-utils"),
    ):
        if not path.exists():
            raise MissingRecordingsError(path, package)


def read_transcripts(path: Path = ASTERISK_TRANSCRIPTS) -> dict[str, str]:
    """``name: Text.`` lines of the transcript file (comments and lines without a name skipped)."""
    transcripts: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            name, colon, text = line.strip().partition(":")
            if colon and name and not name.startswith(";"):
                transcripts.setdefault(name.strip(), fix_typos(text.strip()))
    return transcripts


def fix_typos(text: str) -> str:
    for wrong, right in TRANSCRIPT_FIXES.items():
        text = re.sub(rf"\b{wrong}\b", right, text)
    return text


def usable_text(text: str) -> bool:
    """Plain spoken words: no [tones], digits, symbols, acronyms or addresses (not said as written)."""
    return _ALLOWED_TEXT.fullmatch(text) is not None and _NOT_AS_WRITTEN.search(text) is None


def words_of(text: str) -> list[str]:
    return [w.strip("'").lower() for w in _WORD.findall(text) if w.strip("'")]


def asterisk_prompts(directory: Path = ASTERISK_DIR, transcripts: Path = ASTERISK_TRANSCRIPTS) -> list[tuple[str, str]]:
    """(name, text) of the top-level prompts with a usable text and a WAV file, sorted by name."""
    return sorted(
        (name, text)
        for name, text in read_transcripts(transcripts).items()
        if "/" not in name and usable_text(text) and (directory / f"{name}.wav").is_file()
    )


def with_word_count(prompts: list[tuple[str, str]], bounds: tuple[int, int]) -> list[tuple[str, str]]:
    low, high = bounds
    return [(name, text) for name, text in prompts if low <= len(words_of(text)) <= high]


def spread(items: list[T], count: int) -> list[T]:
    """``count`` items evenly spread over ``items`` (all of them when there are not more)."""
    if count >= len(items):
        return list(items)
    return [items[(k * len(items)) // count] for k in range(count)]


# ---------------------------------------------------------------- audio


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """16-bit PCM WAV -> (mono float32 samples in [-1, 1], sample rate)."""
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2:
            raise ValueError(f"{path}: {8 * handle.getsampwidth()}-bit audio, expected 16-bit")
        channels, rate = handle.getnchannels(), handle.getframerate()
        frames = handle.readframes(handle.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / _INT16_SCALE
    return samples.reshape(-1, channels).mean(axis=1).astype(np.float32), rate


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """Mono 16-bit PCM WAV file of ``samples`` (clipped to the 16-bit range)."""
    pcm = np.clip(np.round(samples * _INT16_SCALE), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return buffer.getvalue()


def generator(seed: int, name: str, purpose: str) -> np.random.Generator:
    """A Generator fixed by the run's seed, the recording and what the noise is for."""
    return np.random.default_rng([seed, zlib.crc32(name.encode()), zlib.crc32(purpose.encode())])


def with_noise(samples: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """``samples`` plus white Gaussian noise at ``snr_db`` below the whole clip's signal power."""
    signal_power = float(np.mean(np.square(samples, dtype=np.float64)))
    noise_std = np.sqrt(signal_power / 10 ** (snr_db / 10))
    return (samples + rng.normal(0.0, noise_std, samples.shape)).astype(np.float32)


def quiet_noise(length: int, dbfs: float, rng: np.random.Generator) -> np.ndarray:
    """Digital silence with Gaussian noise of RMS ``dbfs`` (relative to full scale)."""
    return rng.normal(0.0, 10 ** (dbfs / 20), length).astype(np.float32)


def load_recording(source: str, path: Path, text: str) -> Recording:
    samples, rate = read_wav(path)
    return Recording(source=source, name=path.stem, text=text, samples=samples, rate=rate)


# ---------------------------------------------------------------- labelled answers


def wrong_text_partner(texts: list[str], index: int) -> int:
    """The passage whose text passage ``index`` is scored against: half the list away, moved on
    until the two texts share at most MAX_SHARED_WORDS distinct words (else the least sharing one).
    """
    count, own = len(texts), set(words_of(texts[index]))
    candidates = [(index + count // 2 + step) % count for step in range(count)]
    candidates = [c for c in candidates if c != index]
    if not candidates:
        raise ValueError("a wrong text needs at least two passages")
    for candidate in candidates:
        if len(own & set(words_of(texts[candidate]))) <= MAX_SHARED_WORDS:
            return candidate
    return min(candidates, key=lambda c: len(own & set(words_of(texts[c]))))


def answer(recording: Recording, level: str, samples: np.ndarray, expected: str, item_type: str) -> Answer:
    group = "passage" if level in LEVELS else "short"
    return Answer(
        group=group,
        source=recording.source,
        clip=recording.name,
        level=level,
        item_type=item_type,
        expected_text=expected,
        spoken_text=recording.text,
        wav=wav_bytes(samples, recording.rate),
        seconds=round(len(samples) / recording.rate, 3),
    )


def passage_levels(recording: Recording, wrong_text: str, seed: int) -> list[Answer]:
    """The five answers of one passage, from clean to silence."""
    samples, text = recording.samples, recording.text
    noisy = with_noise(samples, NOISE_SNR_DB, generator(seed, recording.name, "noisy"))
    silence = quiet_noise(len(samples), SILENCE_DBFS, generator(seed, recording.name, "silence"))
    return [
        answer(recording, "clean", samples, text, "read_aloud"),
        answer(recording, "noisy", noisy, text, "read_aloud"),
        answer(recording, "truncated", samples[: len(samples) // 2], text, "read_aloud"),
        answer(recording, "wrong_text", samples, wrong_text, "read_aloud"),
        answer(recording, "silence", silence, text, "read_aloud"),
    ]


def passage_answers(clips: int, seed: int) -> list[Answer]:
    """``clips`` passages (6-30 words, spread over the prompts sorted by name), five levels each."""
    chosen = spread(with_word_count(asterisk_prompts(), PASSAGE_WORDS), clips)
    texts = [text for _, text in chosen]
    answers: list[Answer] = []
    for index, (name, text) in enumerate(chosen):
        recording = load_recording("asterisk", ASTERISK_DIR / f"{name}.wav", text)
        answers += passage_levels(recording, texts[wrong_text_partner(texts, index)], seed)
    return answers


def alsa_answers() -> list[Answer]:
    """Each alsa-utils voice file scored as a repeat item against its two words."""
    answers = []
    for name in ALSA_NAMES:
        path = ALSA_DIR / f"{name}.wav"
        if not path.is_file():
            raise MissingRecordingsError(path, "alsa-utils")
        recording = load_recording("alsa", path, name.replace("_", " ").lower())
        answers.append(answer(recording, "correct", recording.samples, recording.text, "repeat"))
    return answers


def short_prompt_answers(count: int) -> list[Answer]:
    """``count`` prompts of 1-3 words (spread over the sorted list), as repeat items."""
    answers = []
    for name, text in spread(with_word_count(asterisk_prompts(), SHORT_WORDS), count):
        recording = load_recording("asterisk", ASTERISK_DIR / f"{name}.wav", text)
        answers.append(answer(recording, "correct", recording.samples, text, "repeat"))
    return answers


def build_corpus(clips: int, short: int, seed: int) -> Corpus:
    """The whole labelled set; raises MissingRecordingsError when a package is not installed."""
    check_installed()
    passages = passage_answers(clips, seed)
    return Corpus(passages=passages, short=alsa_answers() + short_prompt_answers(short))
