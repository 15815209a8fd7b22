"""Voice activity with Silero VAD (the ONNX model that ships inside faster-whisper).

Pauses come from here, not from Whisper's word timestamps, which absorb pauses.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workers.scoring.audio import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class SpeechActivity:
    segments: list[tuple[float, float]]  # (start_s, end_s) of each stretch of speech
    duration_s: float

    @property
    def speech_seconds(self) -> float:
        return sum(end - start for start, end in self.segments)

    @property
    def first_onset_s(self) -> float | None:
        return self.segments[0][0] if self.segments else None

    @property
    def span(self) -> tuple[float, float] | None:
        return (self.segments[0][0], self.segments[-1][1]) if self.segments else None

    def pauses(self) -> list[float]:
        """Silences between consecutive stretches of speech, in seconds."""
        return [nxt[0] - cur[1] for cur, nxt in itertools.pairwise(self.segments)]


def detect_speech(audio: np.ndarray, config: dict) -> SpeechActivity:
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # noqa: PLC0415 - loaded when scoring

    options = VadOptions(
        threshold=config["threshold"],
        min_speech_duration_ms=config["min_speech_duration_ms"],
        min_silence_duration_ms=config["min_silence_duration_ms"],
        speech_pad_ms=config["speech_pad_ms"],
    )
    stamps = get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
    segments = [(round(s["start"] / SAMPLE_RATE, 3), round(s["end"] / SAMPLE_RATE, 3)) for s in stamps]
    return SpeechActivity(segments=segments, duration_s=round(len(audio) / SAMPLE_RATE, 3))
