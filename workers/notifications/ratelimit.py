"""Per-channel token buckets, so a dispatcher does not outrun the provider's limits.

The buckets live in one process: with several worker processes, give each a share of
the provider's limit (or put the limit on the Celery task as well).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class TokenBucket:
    def __init__(
        self,
        rate_per_second: float,
        burst: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.rate = rate_per_second
        self.capacity = max(1.0, burst)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self, tokens: float = 1.0) -> float:
        """Take tokens, sleeping until they are there; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                if self._tokens >= tokens:
                    self._tokens -= tokens
                    return waited
                shortfall = (tokens - self._tokens) / self.rate
            self._sleep(shortfall)
            waited += shortfall

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now


class ChannelRateLimiter:
    """One bucket per channel ("email", "sms"); a channel without a bucket is not limited.

    For email one token is one API call (a batch), which is what Brevo counts.
    """

    def __init__(self, buckets: Mapping[str, TokenBucket]) -> None:
        self._buckets = dict(buckets)

    @classmethod
    def per_second(cls, email: float | None = None, sms: float | None = None) -> ChannelRateLimiter:
        rates = {"email": email, "sms": sms}
        return cls({channel: TokenBucket(rate, burst=1) for channel, rate in rates.items() if rate})

    def acquire(self, channel: str) -> float:
        bucket = self._buckets.get(channel)
        return bucket.acquire() if bucket else 0.0
