"""Exact arithmetic for scores: weighted means as fractions, one rounding rule (half up).

Every mean is computed with `fractions.Fraction`, numbers from the config and the engines read as
the decimals they are written as (`Fraction(str(x))`), so 62.5 rounds to 63 on every machine and
no float error can move a score across a rounding boundary.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

Number = int | float | Fraction


def exact(value: Number) -> Fraction:
    """`value` as an exact fraction; a float is taken as its shortest decimal (0.1 -> 1/10)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def round_half_up(value: Number) -> int:
    """The nearest integer, halves up: 62.5 -> 63, 62.49 -> 62."""
    return math.floor(exact(value) + Fraction(1, 2))


def weighted_mean(pairs: Iterable[tuple[Number, Number]]) -> Fraction | None:
    """Sum(weight x value) / sum(weight) over (weight, value) pairs; None when the weights add up to 0."""
    total_weight = Fraction(0)
    total = Fraction(0)
    for weight, value in pairs:
        total_weight += exact(weight)
        total += exact(weight) * exact(value)
    if not total_weight:
        return None
    return total / total_weight


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
