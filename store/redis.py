"""The one Redis client per process (rate limits, token revocation; Celery has its own)."""

from __future__ import annotations

import os
import threading

import redis

from config import get_settings

_lock = threading.Lock()
_clients: dict[int, redis.Redis] = {}


def get_redis() -> redis.Redis:
    pid = os.getpid()
    with _lock:
        if pid not in _clients:
            _clients[pid] = redis.Redis.from_url(
                get_settings().redis_url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True
            )
        return _clients[pid]
