"""The `notification_requests` collection: outbox messages asked for in bulk, not yet in the outbox.

A roster import asks for an invitation (email and SMS) per new student. Writing 20,000 outbox
documents costs the development server ~12 s, more than the import itself, so the import stores
each chunk's messages as one request here and the notifications worker expands it into the
outbox once the import is over (ADR 0014). Document: {_id, source (who asked: "roster_import:<id>"),
messages: [NewNotification fields], created_at, released_at (None while its source is still
writing)}. A request its source never released (the import died for good) is released by the
beat sweep after HELD_AT_MOST: its students exist, so their invitations go out as before.

Expanding is idempotent (the outbox skips a message whose idempotency key it already holds), so a
request expanded twice, by a retried task and the beat sweep say, queues each message once.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pymongo import ASCENDING

from store.notifications import NewNotification

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "notification_requests"


def ensure_indexes(db: Database) -> None:
    requests = db[COLLECTION]
    requests.create_index([("source", ASCENDING)], name="source")
    requests.create_index([("released_at", ASCENDING), ("created_at", ASCENDING)], name="released_created")


def hold(db: Database, source: str, news: Sequence[NewNotification], now: datetime) -> ObjectId:
    """Store messages to be queued once `source` releases them."""
    doc = {
        "source": source,
        "messages": [dataclasses.asdict(new) for new in news],
        "created_at": now,
        "released_at": None,
    }
    inserted: ObjectId = db[COLLECTION].insert_one(doc).inserted_id
    return inserted


def release(db: Database, source: str, now: datetime) -> list[ObjectId]:
    """`source` is done writing: its requests may be expanded. Their ids."""
    ids = [doc["_id"] for doc in db[COLLECTION].find({"source": source, "released_at": None}, {"_id": 1})]
    if ids:
        db[COLLECTION].update_many({"source": source, "released_at": None}, {"$set": {"released_at": now}})
    return ids


def messages(db: Database, request_id: ObjectId) -> list[NewNotification] | None:
    """The request's messages; None when it is gone (expanded already)."""
    doc = db[COLLECTION].find_one({"_id": request_id}, {"messages": 1})
    return None if doc is None else [NewNotification(**message) for message in doc["messages"]]


def remove(db: Database, request_id: ObjectId) -> None:
    db[COLLECTION].delete_one({"_id": request_id})


def stranded(db: Database, released_before: datetime, created_before: datetime, limit: int = 100) -> list[ObjectId]:
    """Requests whose expansion was lost (released before `released_before`) and requests never
    released (created before `created_before`), for the sweep to expand.
    """
    lost = {"released_at": {"$lt": released_before}}
    never = {"released_at": None, "created_at": {"$lt": created_before}}
    return [doc["_id"] for query in (lost, never) for doc in db[COLLECTION].find(query, {"_id": 1}).limit(limit)]


def users_waiting(db: Database, source: str, kind: str) -> set[str]:
    """The users with a message of `kind` in one of `source`'s requests not yet expanded."""
    cursor = db[COLLECTION].find({"source": source}, {"messages": 1})  # nx-27017 cannot project into arrays
    return {m["user_id"] for doc in cursor for m in doc["messages"] if m["kind"] == kind and m["user_id"]}
