"""The `audit` collection: who did what, when, from where and in which request or job.

Append-only: this module inserts and reads; nothing here updates or deletes a record.
Fields: `at`, `actor_id`/`actor_role` (None for an unknown caller or the system), `action`
("<what>.<verb>", e.g. "auth.login_failed"), `target_type`, `target_id`, `before`/`after` (only
the fields that changed, no secrets), `details` (what else matters: a reason, counts), `source`
(the client address), `request_id`, `job_id`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING

from store.common import Page, page_of, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from pymongo.database import Database

COLLECTION = "audit"
NEWEST_FIRST = [("at", DESCENDING), ("_id", DESCENDING)]
# Never copied into the audit trail.
SECRET_FIELDS = frozenset({"password_hash", "invitation", "password_reset", "name_key", "token_version"})


def ensure_indexes(db: Database) -> None:
    audit = db[COLLECTION]
    audit.create_index([("at", DESCENDING)], name="recent")
    audit.create_index([("actor_id", ASCENDING), ("at", DESCENDING)], name="actor_recent")
    audit.create_index([("target_type", ASCENDING), ("target_id", ASCENDING)], name="target")
    audit.create_index([("action", ASCENDING), ("at", DESCENDING)], name="action_recent")


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


def record(  # noqa: PLR0913 - one keyword per field of the record
    db: Database,
    *,
    actor: Mapping[str, Any] | None,
    action: str,
    target_type: str,
    target_id: str,
    before: dict | None = None,
    after: dict | None = None,
    details: Mapping[str, Any] | None = None,
    source: str | None = None,
    request_id: str | None = None,
    job_id: str | None = None,
) -> dict:
    old, new = changes(before, after)
    doc: dict[str, Any] = {
        "at": utcnow(),
        "actor_id": str(actor["_id"]) if actor else None,
        "actor_role": actor.get("role") if actor else None,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "before": old,
        "after": new,
        "details": _plain(dict(details or {})),
        "source": source,
        "request_id": request_id,
        "job_id": job_id,
    }
    db[COLLECTION].insert_one(doc)
    return doc


def filter_for(
    *,
    actor_id: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """The query of the audit list and its export (exact fields; `action` ending in "." is a prefix)."""
    exact = (("actor_id", actor_id), ("target_type", target_type), ("target_id", target_id))
    query: dict[str, Any] = {name: value for name, value in exact if value}
    if action:
        query["action"] = {"$regex": f"^{re.escape(action)}"} if action.endswith(".") else action
    window = {op: moment for op, moment in (("$gte", since), ("$lt", until)) if moment is not None}
    if window:
        query["at"] = window
    return query


def find_page(db: Database, query: dict, page: int, per_page: int) -> Page:
    """Newest first."""
    return page_of(db[COLLECTION], query, NEWEST_FIRST, page, per_page)


def count(db: Database, query: dict) -> int:
    return db[COLLECTION].count_documents(query)


def iter_matching(db: Database, query: dict, batch_size: int = 1000) -> Iterator[dict]:
    """Every matching record, newest first, read in batches (the export)."""
    yield from db[COLLECTION].find(query).sort(NEWEST_FIRST).batch_size(batch_size)
