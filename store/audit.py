"""The `audit` collection: who changed what, when, and from which request."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING

from store.common import Page, page_of, utcnow

if TYPE_CHECKING:
    from pymongo.database import Database

COLLECTION = "audit"
# Never copied into the audit trail.
SECRET_FIELDS = frozenset({"password_hash", "invitation", "password_reset", "name_key", "token_version"})


def ensure_indexes(db: Database) -> None:
    audit = db[COLLECTION]
    audit.create_index([("at", DESCENDING)], name="recent")
    audit.create_index([("actor_id", ASCENDING), ("at", DESCENDING)], name="actor_recent")
    audit.create_index([("target_type", ASCENDING), ("target_id", ASCENDING)], name="target")


def changes(before: dict | None, after: dict | None) -> tuple[dict, dict]:
    """Only the fields that differ, without secrets and bookkeeping."""
    before, after = before or {}, after or {}
    keys = (set(before) | set(after)) - SECRET_FIELDS - {"_id", "created_at", "updated_at"}
    changed = sorted(k for k in keys if before.get(k) != after.get(k))
    return (
        {k: _plain(before[k]) for k in changed if k in before},
        {k: _plain(after[k]) for k in changed if k in after},
    )


def _plain(value: Any) -> Any:
    """JSON-ready: ids as strings, times as ISO 8601."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record(
    db: Database,
    *,
    actor: dict,
    action: str,
    target_type: str,
    target_id: str,
    before: dict | None = None,
    after: dict | None = None,
    request_id: str | None = None,
) -> dict:
    old, new = changes(before, after)
    doc: dict[str, Any] = {
        "at": utcnow(),
        "actor_id": str(actor["_id"]),
        "actor_role": actor["role"],
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "before": old,
        "after": new,
        "request_id": request_id,
    }
    db[COLLECTION].insert_one(doc)
    return doc


def find_page(db: Database, query: dict, page: int, per_page: int) -> Page:
    """Newest first."""
    return page_of(db[COLLECTION], query, [("at", DESCENDING), ("_id", DESCENDING)], page, per_page)
