"""The `notifications` collection: the outbox every email and SMS goes through.

Document fields
- `idempotency_key` (unique): "<kind>:<channel>:<recipient>:<subject entity>", where the
  recipient is `user:<id>` when there is a user and the address otherwise, and the
  subject entity names what the message is about (an invitation id, "test:<id>",
  "test:<id>:2025-01-31" for a daily reminder). Enqueuing the same key twice returns the
  first message instead of creating a second.
- `kind` (template name), `channel` ("email" | "sms"), `essential` (invitations and
  password resets ignore opt-outs), `recipient` {user_id, email, mobile, name},
  `subject_entity`, `scope` (e.g. {"campus_id": ...} so scoped admins can list it),
  `template`, `template_version` (set when rendered for sending), `params` (secrets such as a
  token or link only inside `params.sealed`, encrypted, and removed once the message is sent).
- `state`: queued -> sending -> sent | queued (retry) | failed; queued -> suppressed;
  failed -> queued (an admin's resend).
- `claim_id` (a UUID: one per provider call, sent to Brevo as the idempotency key),
  `holder` (the dispatch run holding the claim), `claimed_at`, `claim_expires_at`,
  `attempts` (claims so far), `next_attempt_at`,
  `provider`, `provider_message_id`, `last_error` {code, message, status, retryable},
  `needs_review` (outcome unknown after a crash: check the provider before resending),
  `suppressed_reason`, and `created_at`, `updated_at`, `sent_at` (timezone-aware UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.notifications import CHANNELS, SEALED, STATES
from store.common import Page, Records, as_utc, page_of, to_object_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from datetime import datetime

    from pymongo.database import Database

COLLECTION = "notifications"
records = Records(COLLECTION)
__all__ = ["CHANNELS", "STATES", "as_utc", "to_object_id", "utcnow"]
FINAL_STATES = ("sent", "failed", "suppressed")
IN_CHUNK = 100
_DUPLICATE_KEY = 11000  # MongoDB's error code for a unique index violation
_TIME_FIELDS = ("created_at", "updated_at", "sent_at", "claimed_at", "claim_expires_at", "next_attempt_at")


def ensure_indexes(db: Database) -> None:
    outbox = db[COLLECTION]
    outbox.create_index([("idempotency_key", ASCENDING)], name="idempotency_key", unique=True)
    outbox.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)], name="state_due")
    outbox.create_index([("state", ASCENDING), ("claim_expires_at", ASCENDING)], name="state_claim")
    outbox.create_index([("claim_id", ASCENDING)], name="claim_id")
    outbox.create_index([("recipient.user_id", ASCENDING), ("created_at", DESCENDING)], name="user_recent")
    outbox.create_index(
        [("channel", ASCENDING), ("state", ASCENDING), ("created_at", DESCENDING)], name="channel_state_recent"
    )
    outbox.create_index([("kind", ASCENDING), ("created_at", DESCENDING)], name="kind_recent")
    outbox.create_index([("created_at", DESCENDING)], name="recent")


@dataclass(frozen=True)
class NewNotification:
    kind: str
    channel: str
    subject_entity: str
    params: dict[str, Any]
    user_id: str | None = None
    email: str | None = None
    mobile: str | None = None
    name: str | None = None
    essential: bool = False
    scope: dict[str, Any] = field(default_factory=dict)
    template: str | None = None  # defaults to kind


def idempotency_key(kind: str, channel: str, recipient: str, subject_entity: str) -> str:
    return f"{kind}:{channel}:{recipient}:{subject_entity}"


def recipient_ref(new: NewNotification) -> str:
    if new.user_id:
        return f"user:{new.user_id}"
    address = new.email if new.channel == "email" else new.mobile
    if not address:
        raise ValueError(f"a {new.channel} notification needs a user_id or an address")
    return address.strip().lower()


def build_document(new: NewNotification, now: datetime | None = None) -> dict:
    if new.channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    if not (new.email if new.channel == "email" else new.mobile):
        raise ValueError(f"a {new.channel} notification needs the recipient's address")
    now = now or utcnow()
    return {
        "_id": ObjectId(),
        "idempotency_key": idempotency_key(new.kind, new.channel, recipient_ref(new), new.subject_entity),
        "kind": new.kind,
        "channel": new.channel,
        "essential": new.essential,
        "recipient": {"user_id": new.user_id, "email": new.email, "mobile": new.mobile, "name": new.name},
        "subject_entity": new.subject_entity,
        "scope": new.scope,
        "template": new.template or new.kind,
        "template_version": None,
        "params": new.params,
        "state": "queued",
        "attempts": 0,
        "claim_id": None,
        "holder": None,
        "claimed_at": None,
        "claim_expires_at": None,
        "next_attempt_at": now,  # always a date while queued: "due" is a plain range query
        "provider": None,
        "provider_message_id": None,
        "last_error": None,
        "needs_review": False,
        "suppressed_reason": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
    }


def enqueue(db: Database, new: NewNotification) -> tuple[dict, bool]:
    """Insert a queued message; (message, created). The same key twice gives (first, False)."""
    doc = build_document(new)
    try:
        db[COLLECTION].insert_one(doc)
    except DuplicateKeyError:
        existing = db[COLLECTION].find_one({"idempotency_key": doc["idempotency_key"]})
        if existing is None:  # pragma: no cover - only if it was deleted in between
            raise
        return _normalise(existing), False
    return doc, True


def enqueue_many(db: Database, news: Sequence[NewNotification]) -> tuple[list[ObjectId], int]:
    """Bulk enqueue (roster imports): (ids in input order, how many were new)."""
    now = utcnow()
    docs = [build_document(new, now) for new in news]
    if not docs:
        return [], 0
    ids_by_key = {doc["idempotency_key"]: doc["_id"] for doc in docs}
    try:
        db[COLLECTION].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(err.get("code") != _DUPLICATE_KEY for err in errors):
            raise
        # Only the duplicates need a look-up: their first message's id is the answer.
        duplicate_keys = [docs[err["index"]]["idempotency_key"] for err in errors]
        ids_by_key.update(ids_for_keys(db, duplicate_keys))
        return [ids_by_key[doc["idempotency_key"]] for doc in docs], len(docs) - len(errors)
    return [doc["_id"] for doc in docs], len(docs)


def ids_for_keys(db: Database, keys: Iterable[str]) -> dict[str, ObjectId]:
    found: dict[str, ObjectId] = {}
    for chunk in in_chunks(list(keys)):
        cursor = db[COLLECTION].find({"idempotency_key": {"$in": chunk}}, {"idempotency_key": 1})
        found.update({doc["idempotency_key"]: doc["_id"] for doc in cursor})
    return found


def in_chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """`$in` lists of at most `size`: long ones cost far more than linear on the stand-in
    servers (1000 ids ~0.8 s on SecantusDB, 10 x 100 ids ~0.15 s) and nothing on MongoDB.
    """
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def get(db: Database, message_id: str | ObjectId) -> dict | None:
    oid = to_object_id(message_id)
    return None if oid is None else _normalise(db[COLLECTION].find_one({"_id": oid}))


def get_many(db: Database, message_ids: Iterable[str | ObjectId]) -> list[dict]:
    oids = [oid for oid in (to_object_id(value) for value in message_ids) if oid is not None]
    return [_normalise(doc) for chunk in in_chunks(oids) for doc in db[COLLECTION].find({"_id": {"$in": chunk}})]


def find_by_claim(db: Database, claim_id: str) -> list[dict]:
    return [_normalise(doc) for doc in db[COLLECTION].find({"claim_id": claim_id}).sort("_id", ASCENDING)]


def list_for(db: Database, query: dict, page: int, per_page: int) -> Page:
    """Newest first."""
    found = page_of(db[COLLECTION], query, [("created_at", DESCENDING), ("_id", DESCENDING)], page, per_page)
    return Page([_normalise(doc) for doc in found.items], found.total, page, per_page)


def find_visible(db: Database, message_id: str | ObjectId, scope: dict[str, Any]) -> dict | None:
    """The message, if it exists and matches `scope` (the caller's)."""
    return _normalise(records.get(db, message_id, scope))


def users_with_message(db: Database, kind: str, user_ids: Sequence[str]) -> set[str]:
    """Which of these users have a message of `kind` (in any state)."""
    found: set[str] = set()
    for chunk in in_chunks(user_ids):
        found.update(
            doc["recipient"]["user_id"]
            for doc in db[COLLECTION].find(
                {"recipient.user_id": {"$in": chunk}, "kind": kind}, {"recipient.user_id": 1}
            )
        )
    return found


def due_ids(db: Database, now: datetime, limit: int = 1000, channel: str | None = None) -> list[ObjectId]:
    """Queued messages whose time has come (for a periodic sweeper)."""
    query: dict[str, Any] = {"state": "queued", "next_attempt_at": {"$lte": now}}
    if channel:
        query["channel"] = channel
    return [doc["_id"] for doc in db[COLLECTION].find(query, {"_id": 1}).limit(limit)]


def expired_claim_ids(db: Database, now: datetime, limit: int = 1000) -> list[ObjectId]:
    query = {"state": "sending", "claim_expires_at": {"$lt": now}}
    return [doc["_id"] for doc in db[COLLECTION].find(query, {"_id": 1}).limit(limit)]


# --- state transitions: each one is conditional on the state (and claim) it expects ---


def claim(
    db: Database,
    message_ids: Sequence[ObjectId],
    claim_id: str,
    holder: str,
    now: datetime,
    claim_until: datetime,
    *,
    template_version: dict[ObjectId, str] | None = None,
) -> list[ObjectId]:
    """Queued -> sending, attempts + 1, BEFORE the provider call. Returns the ids won.

    The state condition makes the claim exclusive (two workers never both win). Whether
    a message is due is the caller's check (the dispatcher reads next_attempt_at first):
    the worst a race can do there is an early retry, never a second send. (The query
    also avoids mixing `_id` with a date range, which the nx-27017 stand-in mis-evaluates.)
    """
    claim_fields = {
        "state": "sending",
        "claim_id": claim_id,
        "holder": holder,
        "claimed_at": now,
        "claim_expires_at": claim_until,
        "updated_at": now,
    }
    for version, ids in _by_version(message_ids, template_version or {}).items():
        version_field = {"template_version": version} if version is not None else {}
        for chunk in in_chunks(ids):
            db[COLLECTION].update_many(
                {"_id": {"$in": chunk}, "state": "queued"},
                {"$set": {**claim_fields, **version_field}, "$inc": {"attempts": 1}},
            )
    # claim_id is unique to this call, so it alone finds what was won.
    return [doc["_id"] for doc in db[COLLECTION].find({"claim_id": claim_id, "state": "sending"}, {"_id": 1})]


def _by_version(message_ids: Sequence[ObjectId], versions: dict[ObjectId, str]) -> dict[str | None, list[ObjectId]]:
    groups: dict[str | None, list[ObjectId]] = {}
    for oid in message_ids:
        groups.setdefault(versions.get(oid), []).append(oid)
    return groups


def reclaim_expired(db: Database, claim_id: str, holder: str, now: datetime, claim_until: datetime) -> list[ObjectId]:
    """Take over an expired claim to replay the same request (same idempotency key)."""
    db[COLLECTION].update_many(
        {"claim_id": claim_id, "state": "sending", "claim_expires_at": {"$lt": now}},
        {"$set": {"holder": holder, "claim_expires_at": claim_until, "updated_at": now}, "$inc": {"attempts": 1}},
    )
    return [
        doc["_id"]
        for doc in db[COLLECTION].find({"claim_id": claim_id, "state": "sending", "holder": holder}, {"_id": 1})
    ]


def mark_sent(
    db: Database, provider_ids: dict[ObjectId, str], claim_id: str, provider: str, now: datetime | None = None
) -> int:
    """Sending -> sent with the provider's id, AFTER the call; only for the same claim."""
    now = now or utcnow()
    requests = [
        UpdateOne(
            {"_id": oid, "state": "sending", "claim_id": claim_id},
            {
                "$set": {
                    "state": "sent",
                    "provider": provider,
                    "provider_message_id": pid,
                    "sent_at": now,
                    "updated_at": now,
                    "claim_expires_at": None,
                    "last_error": None,
                },
                "$unset": {f"params.{SEALED}": ""},  # the link's secrets are not kept once delivered
            },
        )
        for oid, pid in provider_ids.items()
    ]
    return db[COLLECTION].bulk_write(requests, ordered=False).modified_count if requests else 0


def release_for_retry(
    db: Database,
    message_ids: Sequence[ObjectId],
    claim_id: str,
    next_attempt_at: datetime,
    error: dict,
    now: datetime | None = None,
) -> int:
    """Sending -> queued with next_attempt_at: the provider said no for now (429, 5xx)."""
    now = now or utcnow()
    return _update_in(
        db,
        message_ids,
        {"state": "sending", "claim_id": claim_id},
        {
            "$set": {
                "state": "queued",
                "next_attempt_at": next_attempt_at,
                "last_error": error,
                "claim_expires_at": None,
                "updated_at": now,
            }
        },
    )


def hold_for_replay(
    db: Database,
    message_ids: Sequence[ObjectId],
    claim_id: str,
    replay_at: datetime,
    error: dict,
    now: datetime | None = None,
) -> int:
    """Stay `sending` under the same claim until replay_at: the outcome is unknown (a read
    timeout) and only the same request with the same idempotency key may be retried.
    """
    now = now or utcnow()
    return _update_in(
        db,
        message_ids,
        {"state": "sending", "claim_id": claim_id},
        {"$set": {"claim_expires_at": replay_at, "next_attempt_at": replay_at, "last_error": error, "updated_at": now}},
    )


def mark_failed(
    db: Database,
    message_ids: Sequence[ObjectId],
    error: dict,
    *,
    claim_id: str | None = None,
    holder: str | None = None,
    from_states: Sequence[str] = ("sending",),
    needs_review: bool = False,
    now: datetime | None = None,
) -> int:
    """-> failed with the reason; with claim_id/holder only if that claim still holds it."""
    now = now or utcnow()
    query: dict[str, Any] = {"state": {"$in": list(from_states)}}
    if claim_id is not None:
        query["claim_id"] = claim_id
    if holder is not None:
        query["holder"] = holder
    return _update_in(
        db,
        message_ids,
        query,
        {
            "$set": {
                "state": "failed",
                "last_error": error,
                "needs_review": needs_review,
                "claim_expires_at": None,
                "next_attempt_at": None,
                "updated_at": now,
            }
        },
    )


def mark_suppressed(db: Database, message_id: ObjectId, reason: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    res = db[COLLECTION].update_one(
        {"_id": message_id, "state": "queued"},
        {"$set": {"state": "suppressed", "suppressed_reason": reason, "updated_at": now}},
    )
    return res.modified_count == 1


def defer(db: Database, message_ids: Sequence[ObjectId], next_attempt_at: datetime, now: datetime | None = None) -> int:
    """Push queued messages back (the provider rate-limited the channel); no attempt used."""
    now = now or utcnow()
    return _update_in(
        db, message_ids, {"state": "queued"}, {"$set": {"next_attempt_at": next_attempt_at, "updated_at": now}}
    )


def requeue_failed(db: Database, message_id: str | ObjectId, now: datetime | None = None) -> dict | None:
    """An admin's resend: failed -> queued, due now, with a fresh attempt budget.
    Returns the message, or None when it is not failed (sent ones are never resent).
    """
    oid = to_object_id(message_id)
    if oid is None:
        return None
    now = now or utcnow()
    res = db[COLLECTION].update_one(
        {"_id": oid, "state": "failed"},
        {
            "$set": {
                "state": "queued",
                "attempts": 0,
                "next_attempt_at": now,
                "needs_review": False,
                "claim_id": None,
                "claim_expires_at": None,
                "updated_at": now,
            }
        },
    )
    return get(db, oid) if res.modified_count == 1 else None


def _update_in(db: Database, message_ids: Sequence[ObjectId], query: dict[str, Any], update: dict) -> int:
    """update_many over the ids (in chunks, see in_chunks) with the extra conditions."""
    return sum(
        db[COLLECTION].update_many({"_id": {"$in": chunk}, **query}, update).modified_count
        for chunk in in_chunks(message_ids)
    )


@overload
def _normalise(doc: dict) -> dict: ...
@overload
def _normalise(doc: dict | None) -> dict | None: ...
def _normalise(doc: dict | None) -> dict | None:
    """Datetimes back as aware UTC and flags as bools, also from a client without
    tz_aware or a stand-in server that hands `$set` datetimes back as text (nx-27017).
    """
    if doc is None:
        return None
    for name in _TIME_FIELDS:
        doc[name] = as_utc(doc.get(name))
    for name in ("needs_review", "essential"):
        doc[name] = bool(doc.get(name))
    return doc
