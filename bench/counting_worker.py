"""A Celery worker that counts its MongoDB writes, for the benchmarks (not for production).

`python bench/counting_worker.py <celery worker arguments>` registers a PyMongo command
listener before any client exists, then runs Celery's own command line. Every write command
adds its statement count (documents inserted, updates, deletes) to the Redis hash
`bench:mongo-writes` under "<collection>:<command>", so a benchmark can print writes per
message from all the worker's pool processes together.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import redis
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HASH = "bench:mongo-writes"
_BODIES = {"insert": "documents", "update": "updates", "delete": "deletes", "findAndModify": None}


class WriteCounter(monitoring.CommandListener):
    def __init__(self, url: str) -> None:
        self._url = url
        self._clients: dict[int, redis.Redis] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _BODIES:
            return
        body = _BODIES[event.command_name]
        count = len(event.command.get(body, [])) if body else 1
        key = f"{event.command[event.command_name]}:{event.command_name}"
        self._client().hincrby(HASH, key, count)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def _client(self) -> redis.Redis:
        pid = os.getpid()  # one connection per pool process (a fork must not share a socket)
        if pid not in self._clients:
            self._clients[pid] = redis.Redis.from_url(self._url)
        return self._clients[pid]


def read_counts(url: str) -> dict[str, int]:
    return {key.decode(): int(value) for key, value in redis.Redis.from_url(url).hgetall(HASH).items()}


if __name__ == "__main__":
    monitoring.register(WriteCounter(os.environ["REDIS_URL"]))
    from celery.bin.celery import main

    sys.argv = ["celery", *sys.argv[1:]]
    main()
