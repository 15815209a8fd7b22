"""What makes a password acceptable: long enough, not common, not the person's own identifiers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# Identifier fragments shorter than this ("al", "k") are too common to forbid inside a password.
_MIN_FRAGMENT = 3


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _personal_fragments(user: dict) -> list[str]:
    fragments = [user.get("name") or "", user.get("roll_number") or ""]
    email = user.get("email") or ""
    fragments.append(email.split("@", 1)[0])
    fragments.extend((user.get("name") or "").split())
    return [f.lower() for f in fragments if len(f) >= _MIN_FRAGMENT]


def problems(password: str, user: dict) -> list[str]:
    """Why `password` may not be used by `user` (empty when it is acceptable)."""
    found: list[str] = []
    if len(password) < MIN_LENGTH:
        found.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        found.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords():
        found.append("This password is too common.")
    if any(fragment in lowered for fragment in _personal_fragments(user)):
        found.append("Do not use your name, email or roll number in your password.")
    return found
