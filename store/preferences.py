"""The `notification_preferences` collection: the global per-channel switches and each
user's opt-outs of non-essential notifications.

Documents: `{_id: "global", channels: {"email": true, "sms": false}, updated_at}` and
`{_id: "user:<user_id>", user_id, opt_outs: ["sms:*", "*:test_reminder", ...], updated_at}`
where an opt-out is "<channel>:<kind>" and `*` matches any channel or kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import ASCENDING

from domain.notifications import CHANNELS
from store.common import utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pymongo.database import Database

COLLECTION = "notification_preferences"
GLOBAL_ID = "global"


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("user_id", ASCENDING)], name="user_id", sparse=True)


def channel_switches(db: Database) -> dict[str, bool]:
    """Every channel is on unless switched off."""
    doc = db[COLLECTION].find_one({"_id": GLOBAL_ID}) or {}
    stored = doc.get("channels") or {}
    return {channel: bool(stored.get(channel, True)) for channel in CHANNELS}


def set_channel_enabled(
    db: Database,
    channel: str,
    *,
    enabled: bool,
) -> None:
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    db[COLLECTION].update_one(
        {"_id": GLOBAL_ID}, {"$set": {f"channels.{channel}": enabled, "updated_at": utcnow()}}, upsert=True
    )


def opt_outs_for(db: Database, user_ids: Iterable[str]) -> dict[str, set[str]]:
    ids = sorted({str(uid) for uid in user_ids if uid})
    if not ids:
        return {}
    cursor = db[COLLECTION].find({"user_id": {"$in": ids}}, {"user_id": 1, "opt_outs": 1})
    return {doc["user_id"]: set(doc.get("opt_outs") or []) for doc in cursor}


def set_opt_out(db: Database, user_id: str, *, channel: str = "*", kind: str = "*", opted_out: bool = True) -> None:
    """Record (or withdraw) a user's opt-out; essential kinds are sent regardless."""
    entry = f"{channel}:{kind}"
    operator = "$addToSet" if opted_out else "$pull"
    db[COLLECTION].update_one(
        {"_id": f"user:{user_id}"},
        {operator: {"opt_outs": entry}, "$set": {"user_id": str(user_id), "updated_at": utcnow()}},
        upsert=True,
    )
