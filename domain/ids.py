"""Record ids: 24 hexadecimal characters, kept in lower case wherever they are stored or compared."""

from __future__ import annotations

import re

from bson import ObjectId

ID_PATTERN = "^[0-9a-fA-F]{24}$"
_ID = re.compile(ID_PATTERN)


def normalise_id(value: str) -> str | None:
    """The id's one spelling (lower case, no surrounding whitespace), or None when `value` is not an id."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text.lower() if _ID.fullmatch(text) else None


def to_object_id(value: str | ObjectId | None) -> ObjectId | None:
    """An ObjectId from its text (any case), or None when `value` is not an id."""
    if isinstance(value, ObjectId):
        return value
    text = normalise_id(value) if isinstance(value, str) else None
    return ObjectId(text) if text else None
