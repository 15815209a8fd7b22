"""The one Redis client per process (rate limits, token revocation, results listings; Celery has
its own). Commands slower than SLOW_REDIS_MS are logged and counted (observability/slow.py).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, cast

from config import get_settings
from observability.slow import SlowRedis

if TYPE_CHECKING:
    import redis

_lock = threading.Lock()
_clients: dict[int, redis.Redis] = {}


def get_redis() -> redis.Redis:
    pid = os.getpid()
    with _lock:
        if pid not in _clients:
            settings = get_settings()
            client = cast(
                "SlowRedis",
                SlowRedis.from_url(
                    settings.redis_url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True
                ),
            )
            client.slow_ms = settings.slow_redis_ms
            _clients[pid] = client
        return _clients[pid]
