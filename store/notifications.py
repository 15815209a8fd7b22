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
- `dispatch_group`: messages enqueued together for one channel, at most one provider batch
  of them; the dispatcher claims a group's due messages with one write (ADR 0012).
- `claim_id` (a UUID: one per provider call, sent to Brevo as the idempotency key),
  `holder` (the dispatch run holding the claim), `claimed_at`, `claim_expires_at`,
  `attempts` (claims so far), `next_attempt_at` (when the dispatcher next acts on it: the due
  time while queued, the lease's end while sending, so one index finds both the due and the
  stranded),
  `provider`, `last_error` {code, message, status, retryable},
  `needs_review` (outcome unknown after a crash: check the provider before resending),
  `suppressed_reason`, and `created_at`, `updated_at`, `sent_at` (timezone-aware UTC).
- The provider's message id is not stored here but in `notification_receipts` (one document
  per provider call); reads join it back as `provider_message_id`.

Bulk state changes: a claim, a sent mark and a failure of a whole claim are each one
`update_many` (by dispatch group or claim id), whatever the batch size.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.notifications import CHANNELS, SEALED, STATES
from store import notification_receipts as receipts
from store.common import Page, Records, as_utc, in_chunks, page_of, to_object_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from pymongo.database import Database

COLLECTION = "notifications"
records = Records(COLLECTION)
__all__ = ["CHANNELS", "STATES", "as_utc", "to_object_id", "utcnow"]
FINAL_STATES = ("sent", "failed", "suppressed")
_DUPLICATE_KEY = 11000  # MongoDB's error code for a unique index violation
_TIME_FIELDS = ("created_at", "updated_at", "sent_at", "claimed_at", "claim_expires_at", "next_attempt_at")


def ensure_indexes(db: Database) -> None:
    outbox = db[COLLECTION]
    outbox.create_index([("idempotency_key", ASCENDING)], name="idempotency_key", unique=True)
    outbox.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)], name="state_due")
    outbox.create_index([("dispatch_group", ASCENDING), ("state", ASCENDING)], name="dispatch_group")
    outbox.create_index([("recipient.user_id", ASCENDING), ("created_at", DESCENDING)], name="user_recent")
    # Every index here is paid for on each of a message's state changes (ADR 0012), so there
    # are few: a claim is found through its dispatch group, and a filter by kind alone walks
    # `recent`.
    outbox.create_index(
        [("channel", ASCENDING), ("state", ASCENDING), ("created_at", DESCENDING)], name="channel_state_recent"
    )
    outbox.create_index([("created_at", DESCENDING)], name="recent")


# Indexes that earlier versions created and migration 2 drops.
RETIRED_INDEXES = ("state_claim", "claim_id", "kind_recent")


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


@dataclass
class Enqueued:
    ids: list[ObjectId]  # one per NewNotification, in input order (the first message for a duplicate)
    created: int
    groups: dict[str, list[ObjectId]]  # dispatch group -> its new messages


def build_document(new: NewNotification, now: datetime | None = None, group: str | None = None) -> dict:
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
        "dispatch_group": group or uuid.uuid4().hex,
        "claim_id": None,
        "holder": None,
        "claimed_at": None,
        "claim_expires_at": None,
        "next_attempt_at": now,  # always a date while queued: "due" is a plain range query
        "provider": None,
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


def enqueue_many(db: Database, news: Sequence[NewNotification], group_size: int) -> Enqueued:
    """Bulk enqueue (roster imports, reminders), one insert; each channel's messages go in
    dispatch groups of at most `group_size` (one provider batch each).
    """
    now = utcnow()
    docs = [build_document(new, now, group) for new, group in zip(news, _groups(news, group_size), strict=True)]
    if not docs:
        return Enqueued([], 0, {})
    ids_by_key = {doc["idempotency_key"]: doc["_id"] for doc in docs}
    duplicates: set[int] = set()
    try:
        db[COLLECTION].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(err.get("code") != _DUPLICATE_KEY for err in errors):
            raise
        # Only the duplicates need a look-up: their first message's id is the answer.
        duplicates = {err["index"] for err in errors}
        ids_by_key.update(ids_for_keys(db, [docs[index]["idempotency_key"] for index in duplicates]))
    groups: dict[str, list[ObjectId]] = {}
    for index, doc in enumerate(docs):
        if index not in duplicates:
            groups.setdefault(doc["dispatch_group"], []).append(doc["_id"])
    return Enqueued([ids_by_key[doc["idempotency_key"]] for doc in docs], len(docs) - len(duplicates), groups)


def _groups(news: Sequence[NewNotification], size: int) -> list[str]:
    """A dispatch group per `size` messages of each channel, in input order."""
    counts: dict[str, int] = {}
    current: dict[str, str] = {}
    groups = []
    for new in news:
        seen = counts.get(new.channel, 0)
        if seen % max(size, 1) == 0:
            current[new.channel] = uuid.uuid4().hex
        counts[new.channel] = seen + 1
        groups.append(current[new.channel])
    return groups


def ids_for_keys(db: Database, keys: Iterable[str]) -> dict[str, ObjectId]:
    found: dict[str, ObjectId] = {}
    for chunk in in_chunks(list(keys)):
        cursor = db[COLLECTION].find({"idempotency_key": {"$in": chunk}}, {"idempotency_key": 1})
        found.update({doc["idempotency_key"]: doc["_id"] for doc in cursor})
    return found


def get(db: Database, message_id: str | ObjectId) -> dict | None:
    oid = to_object_id(message_id)
    return None if oid is None else _one_read(db, db[COLLECTION].find_one({"_id": oid}))


def get_many(db: Database, message_ids: Iterable[str | ObjectId]) -> list[dict]:
    oids = [oid for oid in (to_object_id(value) for value in message_ids) if oid is not None]
    return _read(db, [doc for chunk in in_chunks(oids) for doc in db[COLLECTION].find({"_id": {"$in": chunk}})])


def open_in_group(db: Database, group: str) -> list[dict]:
    """A dispatch group's messages that may still need work (queued or sending)."""
    cursor = db[COLLECTION].find({"dispatch_group": group, "state": {"$in": ["queued", "sending"]}})
    return [_normalise(doc) for doc in cursor]


@dataclass(frozen=True)
class ClaimKey:
    """How a claim's messages are found: all of a claim is in one dispatch group (a claim by
    ids moves what it wins into a group named after the claim), so the group's index serves.
    """

    group: str
    claim_id: str

    def query(self) -> dict[str, str]:
        return {"dispatch_group": self.group, "claim_id": self.claim_id}


def key_of(doc: dict) -> ClaimKey:
    return ClaimKey(doc["dispatch_group"], doc["claim_id"])


def find_by_claim(db: Database, claim: ClaimKey) -> list[dict]:
    return [_normalise(doc) for doc in db[COLLECTION].find(claim.query()).sort("_id", ASCENDING)]


def list_for(db: Database, query: dict, page: int, per_page: int) -> Page:
    """Newest first."""
    found = page_of(db[COLLECTION], query, [("created_at", DESCENDING), ("_id", DESCENDING)], page, per_page)
    return Page(_read(db, found.items), found.total, page, per_page)


def find_visible(db: Database, message_id: str | ObjectId, scope: dict[str, Any]) -> dict | None:
    """The message, if it exists and matches `scope` (the caller's)."""
    return _one_read(db, records.get(db, message_id, scope))


def _one_read(db: Database, doc: dict | None) -> dict | None:
    return None if doc is None else _read(db, [doc])[0]


def _read(db: Database, docs: list[dict]) -> list[dict]:
    """Normalised, with `provider_message_id` joined from the receipts of sent messages."""
    docs = [_normalise(doc) for doc in docs]
    sent = [doc for doc in docs if doc["state"] == "sent" and doc.get("claim_id")]
    provider_ids = receipts.provider_ids_for(db, (doc["claim_id"] for doc in sent)) if sent else {}
    for doc in docs:
        doc["provider_message_id"] = None
    for doc in sent:
        doc["provider_message_id"] = provider_ids.get((doc["claim_id"], doc["_id"]))
    return docs


def count_by_state(db: Database, states: Sequence[str]) -> dict[str, int]:
    """How many messages are in each of these states (served by the state_due index)."""
    return {state: db[COLLECTION].count_documents({"state": state}) for state in states}


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
    query = {"state": "sending", "next_attempt_at": {"$lt": now}}
    return [doc["_id"] for doc in db[COLLECTION].find(query, {"_id": 1}).limit(limit)]


# --- state transitions: each one is conditional on the state (and claim) it expects ---


@dataclass(frozen=True)
class Claim:
    claim_id: str
    holder: str
    now: datetime
    until: datetime  # the lease: past it, the claim is anyone's to recover

    def update(self, group: str) -> dict[str, Any]:
        fields = {
            "dispatch_group": group,
            "state": "sending",
            "claim_id": self.claim_id,
            "holder": self.holder,
            "claimed_at": self.now,
            "claim_expires_at": self.until,
            "next_attempt_at": self.until,
            "updated_at": self.now,
        }
        return {"$set": fields, "$inc": {"attempts": 1}}


def claim(db: Database, message_ids: Sequence[ObjectId], lease: Claim) -> list[dict]:
    """Queued -> sending, attempts + 1, BEFORE the provider call. Returns the messages won.

    The state condition makes the claim exclusive (two workers never both win). Whether
    a message is due is the caller's check (the dispatcher reads next_attempt_at first):
    the worst a race can do there is an early retry, never a second send. (The query
    also avoids mixing `_id` with a date range, which the nx-27017 stand-in mis-evaluates.)
    """
    for chunk in in_chunks(message_ids):
        db[COLLECTION].update_many({"_id": {"$in": chunk}, "state": "queued"}, lease.update(lease.claim_id))
    return find_by_claim(db, ClaimKey(lease.claim_id, lease.claim_id))  # the claim id is unique to this call


def claim_group(db: Database, group: str, channel: str, lease: Claim) -> list[dict]:
    """Claim every due, queued `channel` message of a dispatch group with one write."""
    db[COLLECTION].update_many(
        {"dispatch_group": group, "channel": channel, "state": "queued", "next_attempt_at": {"$lte": lease.now}},
        lease.update(group),
    )
    return find_by_claim(db, ClaimKey(group, lease.claim_id))


def reclaim_expired(db: Database, claim: ClaimKey, holder: str, now: datetime, claim_until: datetime) -> list[dict]:
    """Take over an expired claim to replay the same request (same idempotency key); returns
    the messages taken over.
    """
    db[COLLECTION].update_many(
        {**claim.query(), "state": "sending", "claim_expires_at": {"$lt": now}},
        {
            "$set": {
                "holder": holder,
                "claim_expires_at": claim_until,
                "next_attempt_at": claim_until,
                "updated_at": now,
            },
            "$inc": {"attempts": 1},
        },
    )
    found = db[COLLECTION].find({**claim.query(), "state": "sending", "holder": holder}).sort("_id", ASCENDING)
    return [_normalise(doc) for doc in found]


@dataclass(frozen=True)
class Delivery:
    """What one provider call answered for the messages of a claim."""

    claim: ClaimKey
    provider: str
    channel: str
    provider_ids: dict[ObjectId, str]  # message id -> provider message id, in sending order
    template_versions: dict[ObjectId, str]


def mark_sent(db: Database, delivery: Delivery, now: datetime | None = None) -> int:
    """Sending -> sent, AFTER the call, for the messages still held by the same claim: the
    receipt first (so every sent message has one), then one update per template version.
    """
    now = now or utcnow()
    receipts.record(db, delivery.claim.claim_id, delivery.provider, delivery.channel, delivery.provider_ids, now)
    sent = {
        "state": "sent",
        "provider": delivery.provider,
        "sent_at": now,
        "updated_at": now,
        "claim_expires_at": None,
        "next_attempt_at": None,
        "last_error": None,
    }
    by_version: dict[str, list[ObjectId]] = {}
    for oid in delivery.provider_ids:
        by_version.setdefault(delivery.template_versions[oid], []).append(oid)
    only = len(by_version) == 1
    return sum(
        _update_in(
            db,
            None if only else ids,
            {**delivery.claim.query(), "state": "sending"},
            # the link's secrets are not kept once delivered
            {"$set": {**sent, "template_version": version}, "$unset": {f"params.{SEALED}": ""}},
        )
        for version, ids in by_version.items()
    )


def release_for_retry(
    db: Database,
    message_ids: Sequence[ObjectId] | None,
    claim: ClaimKey,
    next_attempt_at: datetime,
    error: dict,
    now: datetime | None = None,
) -> int:
    """Sending -> queued with next_attempt_at: the provider said no for now (429, 5xx).
    `message_ids` None: every message the claim still holds.
    """
    now = now or utcnow()
    return _update_in(
        db,
        message_ids,
        {**claim.query(), "state": "sending"},
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
    message_ids: Sequence[ObjectId] | None,
    claim: ClaimKey,
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
        {**claim.query(), "state": "sending"},
        {"$set": {"claim_expires_at": replay_at, "next_attempt_at": replay_at, "last_error": error, "updated_at": now}},
    )


def mark_failed(
    db: Database,
    message_ids: Sequence[ObjectId] | None,
    error: dict,
    *,
    claim: ClaimKey | None = None,
    holder: str | None = None,
    from_states: Sequence[str] = ("sending",),
    needs_review: bool = False,
    now: datetime | None = None,
) -> int:
    """-> failed with the reason; with claim/holder only if that claim still holds it
    (`message_ids` None: every message the claim still holds).
    """
    if message_ids is None and claim is None:
        raise ValueError("failing a whole claim needs the claim")
    now = now or utcnow()
    query: dict[str, Any] = {"state": {"$in": list(from_states)}}
    if claim is not None:
        query.update(claim.query())
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


def _update_in(db: Database, message_ids: Sequence[ObjectId] | None, query: dict[str, Any], update: dict) -> int:
    """update_many over the ids (in chunks, see in_chunks) with the extra conditions; with
    no ids, one update_many over everything the conditions match (a whole claim).
    """
    if message_ids is None:
        return db[COLLECTION].update_many(query, update).modified_count
    return sum(
        db[COLLECTION].update_many({"_id": {"$in": chunk}, **query}, update).modified_count
        for chunk in in_chunks(message_ids)
    )


def with_legacy_provider_ids(db: Database) -> Iterable[dict]:
    """Sent messages that still carry their provider id (stored before migration 2)."""
    query = {"provider_message_id": {"$type": "string"}, "claim_id": {"$type": "string"}}
    return db[COLLECTION].find(
        query, {"claim_id": 1, "provider": 1, "channel": 1, "sent_at": 1, "provider_message_id": 1}
    )


def align_leases_and_retire_indexes(db: Database) -> None:
    """Migration 2: a `sending` message's next_attempt_at becomes its lease's end (what the
    dispatcher now looks for) and its claim becomes its dispatch group (how a claim is now
    found), and the indexes that this made redundant go.
    """
    for doc in db[COLLECTION].find({"state": "sending"}, {"claim_expires_at": 1, "claim_id": 1}):
        db[COLLECTION].update_one(
            {"_id": doc["_id"]},
            {"$set": {"next_attempt_at": doc.get("claim_expires_at"), "dispatch_group": doc.get("claim_id")}},
        )
    existing = set(db[COLLECTION].index_information())
    for name in RETIRED_INDEXES:
        if name in existing:
            db[COLLECTION].drop_index(name)


def drop_legacy_provider_ids(db: Database) -> int:
    return (
        db[COLLECTION]
        .update_many({"provider_message_id": {"$exists": True}}, {"$unset": {"provider_message_id": ""}})
        .modified_count
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
