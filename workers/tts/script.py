"""What is spoken for an item: the field of its content a student must hear, by item type."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from domain.assessment import TYPES_WITH_PROMPT_AUDIO as DOMAIN_TYPES_WITH_PROMPT_AUDIO
from workers.tts import errors
from workers.tts.errors import TtsError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# Item type -> the content field spoken as one text.
_SPOKEN_FIELD = {"repeat": "text", "short_answer": "question", "story_retelling": "story", "dictation": "text"}

# Types whose prompt is always heard, never shown (named once, in domain.assessment). mcq has prompt
# audio too, but only when its content has ``audio_text``.
TYPES_WITH_PROMPT_AUDIO = DOMAIN_TYPES_WITH_PROMPT_AUDIO
# From this many phrases on, the spoken order is never the answer's (spoken_order).
MIN_PHRASES_REORDERED = 3


def prompt_script(item_type: str, content: Mapping[str, Any], seed: str) -> tuple[str | None, list[str] | None]:
    """``(text, None)`` or ``(None, phrases)`` to pass to render_prompt, or ``(None, None)``: no prompt audio.

    ``seed`` fixes the spoken order of a sentence_builds item's phrases (spoken_order): one seed per
    item gives one order (and one clip) per item. It must be one a student cannot work out (not the
    bare item id, which students see): with the seed and this code the order could be undone.
    """
    if item_type == "sentence_builds":
        return None, spoken_order(_phrases(content), seed)
    if item_type == "mcq":
        return (_text(item_type, content, "audio_text"), None) if content.get("audio_text") else (None, None)
    field = _SPOKEN_FIELD.get(item_type)
    if field is None:
        return None, None
    return _text(item_type, content, field), None


def spoken_order(phrases: Sequence[str], seed: str) -> list[str]:
    """The phrases in an order drawn from ``seed`` (the same for the same seed).

    Three or more phrases are never spoken in the given (answer) order: a draw that gives it back
    is drawn again, so each other order is as likely as the next. Two phrases are spoken in either
    order with even odds: the only other order is the reverse, and always reversing would tell the
    student the answer.
    """
    if isinstance(phrases, str):
        raise TypeError("phrases must be a sequence of strings, not one string")
    original = list(phrases)
    order = original.copy()
    draw = random.Random(seed)  # noqa: S311 - a repeatable order; the seed is what is kept secret
    draw.shuffle(order)
    while len(original) >= MIN_PHRASES_REORDERED and order == original and len(set(original)) > 1:
        draw.shuffle(order)
    return order


def _text(item_type: str, content: Mapping[str, Any], field: str) -> str:
    value = content.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _content_invalid(item_type, field, "a non-empty text")
    return value


def _phrases(content: Mapping[str, Any]) -> list[str]:
    value = content.get("phrases")
    if not isinstance(value, list) or not value or not all(isinstance(p, str) and p.strip() for p in value):
        raise _content_invalid("sentence_builds", "phrases", "a non-empty list of non-empty texts")
    return value


def _content_invalid(item_type: str, field: str, expected: str) -> TtsError:
    return TtsError(
        errors.PROMPT_CONTENT_INVALID,
        f"A {item_type} item needs {expected} in content['{field}'] to speak.",
        {"item_type": item_type, "field": field},
    )
