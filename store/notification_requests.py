"""The `notification_requests` collection: messages identity asks to be delivered.

A minimal interface until the notifications issue connects it to the real outbox: callers
say what (kind), to whom (user) and with which template params; delivery is not done here.
Params may carry a raw single-use token; it lives only here and in the delivered message.
"""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database

from store.jobs import utcnow

COLLECTION = "notification_requests"
KINDS = ("invitation", "password_reset")


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("state", ASCENDING), ("created_at", ASCENDING)], name="state_created")
    db[COLLECTION].create_index([("user_id", ASCENDING)], name="user")


def request(db: Database, kind: str, user: dict, params: dict[str, Any], subject_id: str | None = None) -> dict:
    """Ask for `kind` to be sent to `user`; returns the stored request."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind: {kind}")
    doc = {
        "kind": kind,
        "user_id": str(user["_id"]),
        "to": {"email": user.get("email"), "mobile": user.get("mobile"), "name": user.get("name")},
        "params": params,
        "subject_id": subject_id,
        "state": "pending",
        "created_at": utcnow(),
    }
    db[COLLECTION].insert_one(doc)
    return doc
