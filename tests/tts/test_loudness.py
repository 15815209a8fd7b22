"""The limiter: the level reaches the target while no sample passes the ceiling, without clipping."""

from __future__ import annotations

import numpy as np
import pytest

from workers.tts.loudness import FULL_SCALE, level_pcm, limit_peaks, rms_dbfs

RATE = 22050


def _speech_like() -> np.ndarray:
    """Bursts of a tone with a peak 20 dB above their RMS, separated by long silences."""
    time = np.arange(RATE) / RATE
    burst = 3000 * np.sin(2 * np.pi * 220 * time) * (1 + 9 * (np.sin(2 * np.pi * 3 * time) > 0.99))
    pause = np.zeros(RATE)
    return np.concatenate([burst, pause, burst, pause]).astype(np.float32)


def test_the_level_reaches_the_target_and_no_peak_passes_the_ceiling():
    pcm = level_pcm(_speech_like().astype("<i2").tobytes(), -20.0, -1.0)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    assert rms_dbfs(samples) == pytest.approx(-20.0, abs=0.2)
    assert np.abs(samples).max() <= FULL_SCALE * 10 ** (-1.0 / 20) + 1


def test_the_limiter_changes_its_gain_smoothly():
    samples = _speech_like() * 20
    limited = limit_peaks(samples, ceiling=30_000)
    loud = np.abs(samples) > 1
    gain = limited[loud] / samples[loud]
    assert np.abs(limited).max() <= 30_000 * (1 + 1e-6)  # float32 rounding
    assert np.abs(np.diff(gain)).max() < 0.05  # no step: a ramp over about 10 ms


def test_quiet_audio_is_left_alone_by_the_limiter():
    samples = _speech_like()
    assert limit_peaks(samples, ceiling=30_000) is samples


def test_silence_and_nothing_stay_as_they_are():
    assert level_pcm(b"", -20.0, -1.0) == b""
    assert level_pcm(b"\0\0" * 100, -20.0, -1.0) == b"\0\0" * 100
