"""The one MongoDB client per process (PyMongo clients are not fork-safe, so one per pid)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from pymongo import MongoClient

from config import get_settings
from observability.slow import SlowMongoCommands

if TYPE_CHECKING:
    from pymongo.database import Database

_lock = threading.Lock()
_clients: dict[tuple[int, str], MongoClient] = {}


def get_client(uri: str | None = None) -> MongoClient:
    uri = uri or get_settings().mongo_uri
    key = (os.getpid(), uri)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = MongoClient(
                uri,
                tz_aware=True,
                serverSelectionTimeoutMS=5000,
                appname="aiversant",
                event_listeners=[SlowMongoCommands(get_settings().slow_query_ms)],
            )
            _clients[key] = client
        return client


def close_clients() -> None:
    """Close this process's clients (at shutdown); the next get_db() opens a new one."""
    with _lock:
        for key in [key for key in _clients if key[0] == os.getpid()]:
            _clients.pop(key).close()


def get_db() -> Database:
    settings = get_settings()
    return get_client(settings.mongo_uri)[settings.mongo_db]
