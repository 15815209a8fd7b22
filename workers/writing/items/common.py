"""Pieces every item scorer shares: item-definition checks and the result shape."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from workers.writing.errors import INVALID_CONTEXT, INVALID_ITEM, WritingScoringError


@dataclass
class ItemScore:
    """What an item scorer returns; scoring.py adds the version and item type."""

    score: float
    features: dict[str, Any]
    trait_evidence: dict[str, float]
    explanation: dict[str, Any]
    reportable: bool = True
    not_reportable_reasons: list[str] = field(default_factory=list)


def require_text(item: dict, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise WritingScoringError(INVALID_ITEM, f"The item needs a non-empty text field '{key}'.", {"field": key})
    return value


def optional_string_list(item: dict, key: str) -> list[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(entry, str) and entry.strip() for entry in value):
        raise WritingScoringError(INVALID_ITEM, f"'{key}' must be a list of non-empty strings.", {"field": key})
    return value


def required_string_list(item: dict, key: str) -> list[str]:
    value = optional_string_list(item, key)
    if not value:
        raise WritingScoringError(INVALID_ITEM, f"The item needs a non-empty list '{key}'.", {"field": key})
    return value


def optional_positive_number(source: dict, key: str, *, is_context: bool = False) -> float | None:
    value = source.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isnan(value):
        code = INVALID_CONTEXT if is_context else INVALID_ITEM
        raise WritingScoringError(code, f"'{key}' must be a positive number.", {"field": key, "value": repr(value)})
    return float(value)


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


def rounded(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
