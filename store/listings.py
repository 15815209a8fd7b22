"""Ordered listings kept in Redis between changes: a test's results, paged by many admins.

A listing is every row of one query in its order (a test's attempts as results rows, in the
caller's scope, filtered and sorted as asked), stored as a Redis list under a key that carries
its owner's version (the test's). A page is one LRANGE and its total one LLEN. Every write that
can change a row bumps the owner's version (`invalidate`), so the next read builds the listing
afresh from MongoDB; listings of older versions are never read again and expire after
RESULTS_CACHE_SECONDS, which also bounds how stale a row written outside `store/` could be.
RESULTS_CACHE_SECONDS=0 turns the cache off: every page is read from MongoDB.

Why (ADR 0013): a page of 50 of 10,000 rows costs the development server a decode of all 10,000
documents, and a count as much again; a page from Redis costs neither, whichever server.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC
from typing import TYPE_CHECKING, Any, cast

from bson import json_util
from bson.json_util import JSONOptions

from config import get_settings
from store.redis import get_redis

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

ROWS_PER_PUSH = 1000
BUILD_LOCK_SECONDS = 30  # longer than any build; a reader waits at most this, then builds itself
BUILD_POLL_SECONDS = 0.05
_JSON = JSONOptions(tz_aware=True, tzinfo=UTC)


class Listing:
    """The listings of one kind of owner (a test's results), each named by its query."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _version_key(self, owner: str) -> str:
        return f"listing:{self.name}:{owner}:version"

    def invalidate(self, owner: str) -> None:
        """Rows of this owner changed: its listings are built afresh on the next read."""
        get_redis().incr(self._version_key(owner))

    def page(
        self, owner: str, query: Any, build: Callable[[], Iterable[dict]], start: int, stop: int
    ) -> tuple[list[dict], int]:
        """Rows start..stop-1 of the listing named by `query`, and how many it holds. `build`
        gives every row in order; it runs when the listing is not cached for the current version.
        """
        redis = get_redis()
        version = cast("str | None", redis.get(self._version_key(owner))) or "0"  # decode_responses=True
        digest = hashlib.sha256(json_util.dumps(query, sort_keys=True).encode()).hexdigest()[:24]
        key = f"listing:{self.name}:{owner}:{version}:{digest}"
        pipe = redis.pipeline(transaction=False)
        pipe.lrange(key, start, stop - 1)
        pipe.llen(key)
        pipe.exists(f"{key}:empty")
        rows, total, empty = pipe.execute()
        if not (total or empty):
            built = self._build_once(key, build)
            if built is not None:
                rows, total = built[start:stop], len(built)
            else:  # another reader built it
                rows, total = redis.lrange(key, start, stop - 1), redis.llen(key)
        return [json_util.loads(row, json_options=_JSON) for row in rows], total

    def _build_once(self, key: str, build: Callable[[], Iterable[dict]]) -> list[str] | None:
        """The listing's rows, built and stored here; None when another reader was building it and
        has stored it meanwhile: admins opening the same results together cost one build.
        """
        redis = get_redis()
        if not redis.set(f"{key}:building", "1", nx=True, ex=BUILD_LOCK_SECONDS):
            deadline = time.monotonic() + BUILD_LOCK_SECONDS
            while time.monotonic() < deadline:
                time.sleep(BUILD_POLL_SECONDS)
                if redis.exists(key, f"{key}:empty"):
                    return None
            return [json_util.dumps(row) for row in build()]  # the other reader's build failed: no lock held
        try:
            built = [json_util.dumps(row) for row in build()]
            self._store(key, built)
        finally:
            redis.delete(f"{key}:building")
        return built

    @staticmethod
    def _store(key: str, rows: list[str]) -> None:
        ttl = get_settings().results_cache_seconds
        pipe = get_redis().pipeline(transaction=True)
        if not rows:  # Redis keeps no empty list: a marker says the listing is empty
            pipe.set(f"{key}:empty", "1", ex=ttl)
        pipe.delete(key)
        for start in range(0, len(rows), ROWS_PER_PUSH):
            pipe.rpush(key, *rows[start : start + ROWS_PER_PUSH])
        pipe.expire(key, ttl)
        pipe.execute()


def enabled() -> bool:
    return get_settings().results_cache_seconds > 0
