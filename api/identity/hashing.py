"""A bounded number of password hashes at once per API process (PASSWORD_CONCURRENCY): argon2 is
CPU-bound by design, so a sign-in storm would otherwise take every core from every other request.
A request that cannot get a slot within PASSWORD_WAIT_SECONDS gets 503 with Retry-After.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from api.errors import ApiError
from config import get_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _semaphore() -> threading.BoundedSemaphore:
    global _slots  # noqa: PLW0603 - one semaphore per process, made on first use from the settings
    with _lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(get_settings().password_concurrency)
        return _slots


@contextmanager
def password_slot() -> Iterator[None]:
    """Hold one of the process's password-hashing slots for the block."""
    slots = _semaphore()
    if not slots.acquire(timeout=get_settings().password_wait_seconds):
        raise ApiError(
            503,
            "busy",
            "Many people are signing in at once; try again in a moment.",
            headers={"Retry-After": "2"},  # the rate limiter rounds it down by up to a second
        )
    try:
        yield
    finally:
        slots.release()
