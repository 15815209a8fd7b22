"""The documented mapping from 0-1 trait evidence to the 20-80 reporting scale."""

from __future__ import annotations

import math
from itertools import pairwise


def to_reporting_scale(value: float, anchors: list[list[float]]) -> int:
    """Piecewise-linear interpolation between the config's [evidence, score] anchors, rounded half up."""
    value = max(anchors[0][0], min(anchors[-1][0], value))
    for (low_x, low_y), (high_x, high_y) in pairwise(anchors):
        if low_x <= value <= high_x:
            fraction = 0.0 if high_x == low_x else (value - low_x) / (high_x - low_x)
            return round_half_up(low_y + fraction * (high_y - low_y))
    return round_half_up(anchors[-1][1])


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)
