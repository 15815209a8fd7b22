"""Loudness: every clip's RMS level set to one target, its peaks held under a ceiling without clipping.

Speech peaks stand about 18 dB above its RMS level, and the pauses of a sentence-builds prompt lower
the RMS further, so plain gain to -20 dBFS would push peaks past full scale. A limiter takes the gain
down smoothly around those peaks instead (ramping over about 10 ms, so no click), then the level is measured
again and raised back; a few passes settle within a small fraction of a dB.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FULL_SCALE = 32_768.0  # 16-bit PCM, as pydub counts dBFS
_PASSES = 4
_LIMITER_BLOCK = 220  # samples (10 ms at 22050 Hz): the gain is decided per block ...
_LIMITER_HOLD_BLOCKS = 1  # ... held down over the neighbouring blocks, and ramped linearly between them


def level_pcm(pcm: bytes, target_dbfs: float, ceiling_dbfs: float) -> bytes:
    """16-bit mono PCM at ``target_dbfs`` RMS with no sample above ``ceiling_dbfs``."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    ceiling = FULL_SCALE * 10 ** (ceiling_dbfs / 20)
    for _ in range(_PASSES):
        samples = limit_peaks(samples * _gain_to(samples, target_dbfs), ceiling)
    return np.round(samples).clip(-FULL_SCALE, FULL_SCALE - 1).astype("<i2").tobytes()


def rms_dbfs(samples: np.ndarray) -> float:
    rms = math.sqrt(float(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20 * math.log10(rms / FULL_SCALE) if rms > 0 else -math.inf


def limit_peaks(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """``samples`` with a gain that never lets one exceed ``ceiling`` and moves smoothly.

    Each 10 ms block takes the lowest gain any of its samples needs; each block's gain is the lowest of
    its own and its neighbours', and the gain is interpolated linearly between block centres. A sample's
    gain is therefore a mix of gains no higher than it needs.
    """
    magnitude = np.abs(samples)
    if len(samples) == 0 or float(magnitude.max()) <= ceiling:
        return samples
    needed = np.ones(-(-len(samples) // _LIMITER_BLOCK) * _LIMITER_BLOCK, dtype=np.float32)
    needed[: len(samples)] = np.minimum(1.0, ceiling / np.maximum(magnitude, 1.0))
    block_gain = needed.reshape(-1, _LIMITER_BLOCK).min(axis=1)
    padded = np.pad(block_gain, _LIMITER_HOLD_BLOCKS, constant_values=1.0)
    held = sliding_window_view(padded, 2 * _LIMITER_HOLD_BLOCKS + 1).min(axis=1)
    centres = np.arange(len(held)) * _LIMITER_BLOCK + (_LIMITER_BLOCK - 1) / 2
    gain = np.interp(np.arange(len(samples)), centres, held).astype(np.float32)
    limited: np.ndarray = samples * gain
    return limited


def _gain_to(samples: np.ndarray, target_dbfs: float) -> float:
    current = rms_dbfs(samples)
    return 1.0 if current == -math.inf else 10 ** ((target_dbfs - current) / 20)
