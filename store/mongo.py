"""The one MongoDB client per process (PyMongo clients are not fork-safe, so one per pid)."""
from __future__ import annotations

import os
import threading

from pymongo import MongoClient
from pymongo.database import Database

from config import get_settings

_lock = threading.Lock()
_clients: dict[tuple[int, str], MongoClient] = {}


def get_client(uri: str | None = None) -> MongoClient:
    uri = uri or get_settings().mongo_uri
    key = (os.getpid(), uri)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000, appname="aiversant")
            _clients[key] = client
        return client


def get_db() -> Database:
    settings = get_settings()
    return get_client(settings.mongo_uri)[settings.mongo_db]
