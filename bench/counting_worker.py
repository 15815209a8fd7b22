"""A Celery worker that counts its MongoDB writes, for the benchmarks (not for production).

`python bench/counting_worker.py <celery worker arguments>` registers a PyMongo command
listener before any client exists, then runs Celery's own command line. Every write command
adds its statement count (documents inserted, updates, deletes) to the Redis hash
`bench:mongo-writes` under "<collection>:<command>", so a benchmark can print writes per
message from all the worker's pool processes together; and when each collection's latest
write command came back (wall clock), in `bench:mongo-last-write`, so a benchmark can time
a run to the end of its last write rather than to a timestamp taken before it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import redis
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HASH = "bench:mongo-writes"
LAST_WRITE = "bench:mongo-last-write"  # "<collection>:<pid>" -> time.time() the write returned
_BODIES = {"insert": "documents", "update": "updates", "delete": "deletes", "findAndModify": None}


class WriteCounter(monitoring.CommandListener):
    def __init__(self, url: str) -> None:
        self._url = url
        self._clients: dict[int, redis.Redis] = {}
        self._pending: dict[tuple[int, int], str] = {}  # (pid, request id) -> collection

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _BODIES:
            return
        body = _BODIES[event.command_name]
        count = len(event.command.get(body, [])) if body else 1
        collection = event.command[event.command_name]
        self._pending[(os.getpid(), event.request_id)] = collection
        self._client().hincrby(HASH, f"{collection}:{event.command_name}", count)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        collection = self._pending.pop((os.getpid(), event.request_id), None)
        if collection is not None:
            self._client().hset(LAST_WRITE, f"{collection}:{os.getpid()}", repr(time.time()))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._pending.pop((os.getpid(), event.request_id), None)

    def _client(self) -> redis.Redis:
        pid = os.getpid()  # one connection per pool process (a fork must not share a socket)
        if pid not in self._clients:
            self._clients[pid] = redis.Redis.from_url(self._url)
        return self._clients[pid]


def read_counts(url: str) -> dict[str, int]:
    return {key.decode(): int(value) for key, value in redis.Redis.from_url(url).hgetall(HASH).items()}


def last_write(url: str, collection: str) -> float | None:
    """When the worker's latest write to `collection` came back (time.time()), from any process."""
    times = [
        float(value)
        for key, value in redis.Redis.from_url(url).hgetall(LAST_WRITE).items()
        if key.decode().rsplit(":", 1)[0] == collection
    ]
    return max(times) if times else None


if __name__ == "__main__":
    monitoring.register(WriteCounter(os.environ["REDIS_URL"]))
    from celery.bin.celery import main

    sys.argv = ["celery", *sys.argv[1:]]
    main()
