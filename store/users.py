"""The `users` collection: every account (admins and students), its role and scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, InsertOne, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.access import ADMIN_ROLES, ROLES
from store.common import Records, to_object_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "users"
records = Records(COLLECTION)
__all__ = ["ADMIN_ROLES", "ROLES"]
# Single-use tokens kept (hashed) on the account: a new account's invitation, a password reset.
TOKEN_PURPOSES = ("invitation", "password_reset")
DUPLICATE_KEY = 11000
# Read every account instead of probing the indexes when there are at most this many per looked-up value.
SCAN_FACTOR = 50
ROSTER_PROJECTION = {
    "roll_number": 1,
    "email": 1,
    "mobile": 1,
    "name": 1,
    "role": 1,
    "campus_id": 1,
    "batch_id": 1,
    "course_id": 1,
    "created_by_import": 1,
    "roster_import": 1,
}


def ensure_indexes(db: Database) -> None:
    users = db[COLLECTION]
    users.create_index(
        [("email", ASCENDING)], name="email_unique", unique=True, partialFilterExpression={"email": {"$type": "string"}}
    )
    users.create_index(
        [("roll_number", ASCENDING)],
        name="roll_number_unique",
        unique=True,
        partialFilterExpression={"roll_number": {"$type": "string"}},
    )
    users.create_index([("role", ASCENDING), ("campus_id", ASCENDING)], name="role_campus")
    users.create_index([("role", ASCENDING), ("batch_id", ASCENDING)], name="role_batch")
    users.create_index([("role", ASCENDING), ("course_id", ASCENDING)], name="role_course")
    for purpose in TOKEN_PURPOSES:
        users.create_index(
            [(f"{purpose}.token_hash", ASCENDING)],
            name=f"{purpose}_token",
            unique=True,
            partialFilterExpression={f"{purpose}.token_hash": {"$type": "string"}},
        )


def normalise_login(login: str) -> str:
    return login.strip().lower() if "@" in login else login.strip().upper()


def find_by_login(db: Database, login: str) -> dict | None:
    key = normalise_login(login)
    field = "email" if "@" in key else "roll_number"
    return db[COLLECTION].find_one({field: key})


def get(db: Database, user_id: str | ObjectId) -> dict | None:
    return records.get(db, user_id)


def create(db: Database, fields: dict[str, Any]) -> dict:
    now = utcnow()
    doc = {"active": True, "token_version": 1, "created_at": now, "updated_at": now, **_normalised(fields)}
    db[COLLECTION].insert_one(doc)
    return doc


def ensure_superadmin(db: Database, email: str, password_hash: str) -> bool:
    """Create the named superadmin unless an account with that email exists. True if created."""
    try:
        create(db, {"email": email, "name": "Development Admin", "role": "superadmin", "password_hash": password_hash})
    except DuplicateKeyError:
        return False
    return True


def update(
    db: Database,
    user_id: ObjectId,
    changes: dict[str, Any],
    *,
    revoke_tokens: bool = False,
    revoke_single_use: bool = False,
) -> dict | None:
    """Set fields; with revoke_tokens, bump token_version so every issued token stops working; with
    revoke_single_use, drop outstanding invitation and reset tokens (the address they went to changed).
    """
    update_doc: dict[str, Any] = {"$set": {**_normalised(changes), "updated_at": utcnow()}}
    if revoke_tokens:
        update_doc["$inc"] = {"token_version": 1}
    if revoke_single_use:
        update_doc["$unset"] = dict.fromkeys(TOKEN_PURPOSES, "")
    return db[COLLECTION].find_one_and_update({"_id": user_id}, update_doc, return_document=ReturnDocument.AFTER)


def contact_changes(stored: dict[str, Any], changes: dict[str, Any]) -> bool:
    """Whether `changes` give the account another email or mobile (where its single-use links went)."""
    normalised = _normalised(changes)
    return any(name in normalised and normalised[name] != stored.get(name) for name in ("email", "mobile"))


def _normalised(fields: dict[str, Any]) -> dict[str, Any]:
    """Logins have one spelling: emails in lower case, roll numbers in upper case."""
    out = dict(fields)
    if out.get("email"):
        out["email"] = out["email"].strip().lower()
    if out.get("roll_number"):
        out["roll_number"] = out["roll_number"].strip().upper()
    return out


def delete(db: Database, user_id: ObjectId) -> bool:
    return records.delete(db, user_id)


def count_students(db: Database, **placement: str | dict) -> int:
    """Students placed as given, e.g. `batch_id=b, course_id={"$in": [...]}`."""
    return db[COLLECTION].count_documents({"role": "student", **placement})


def names_and_rolls(db: Database, user_ids: Iterable[str]) -> dict[str, dict]:
    """name, roll number and email of these accounts, by id (as text)."""
    oids = [oid for oid in map(to_object_id, user_ids) if oid is not None]
    found = db[COLLECTION].find({"_id": {"$in": oids}}, {"name": 1, "roll_number": 1, "email": 1, "batch_id": 1})
    return {str(doc["_id"]): doc for doc in found}


def contacts(db: Database, user_ids: Iterable[str]) -> dict[str, dict]:
    """What a message to each of these accounts needs (name, email, mobile, placement), by id."""
    oids = [oid for oid in map(to_object_id, user_ids) if oid is not None]
    fields = {"name": 1, "email": 1, "mobile": 1, "campus_id": 1, "course_id": 1, "batch_id": 1, "active": 1}
    return {str(doc["_id"]): doc for doc in db[COLLECTION].find({"_id": {"$in": oids}}, fields)}


def count_admins(db: Database, roles: Sequence[str], **placement: str) -> int:
    return db[COLLECTION].count_documents({"role": {"$in": list(roles)}, **placement})


# --- single-use tokens ------------------------------------------------------------------------


def set_single_use_token(db: Database, user_id: ObjectId, purpose: str, token: dict[str, Any]) -> None:
    """Replace any earlier token of this purpose: only the newest one works."""
    db[COLLECTION].update_one({"_id": user_id}, {"$set": {purpose: token}})


def set_invitations_where_no_password(db: Database, tokens: Sequence[tuple[ObjectId, dict[str, Any]]]) -> None:
    """Give each account without a password a fresh invitation token (bulk)."""
    if tokens:
        db[COLLECTION].bulk_write(
            [
                UpdateOne({"_id": user_id, "password_hash": {"$exists": False}}, {"$set": {"invitation": token}})
                for user_id, token in tokens
            ],
            ordered=False,
        )


def find_by_single_use_token(db: Database, purpose: str, token_hash: str, now: datetime) -> dict | None:
    return db[COLLECTION].find_one(
        {f"{purpose}.token_hash": token_hash, f"{purpose}.expires_at": {"$gt": now}, "active": True}
    )


def consume_single_use_token(
    db: Database, purpose: str, token_hash: str, now: datetime, password_hash: str
) -> dict | None:
    """Atomically use the token to set a password: it works once, before it expires, for an active
    account. Every outstanding single-use token and every issued JWT of the account stop working.
    """
    return db[COLLECTION].find_one_and_update(
        {f"{purpose}.token_hash": token_hash, f"{purpose}.expires_at": {"$gt": now}, "active": True},
        {
            "$set": {"password_hash": password_hash, "updated_at": now},
            "$unset": dict.fromkeys(TOKEN_PURPOSES, ""),
            "$inc": {"token_version": 1},
        },
        return_document=ReturnDocument.AFTER,
    )


# --- roster imports ---------------------------------------------------------------------------


def accounts_holding(db: Database, wanted: dict[str, set[str]]) -> Iterator[dict]:
    """Accounts whose roll_number, email or mobile is one of the wanted values (ROSTER_PROJECTION).

    An indexed $in query, or one pass over the accounts when the values name a sizeable share
    of them: then reading every account's three fields costs less than the index probes (and
    the development MongoDB stand-in evaluates $in in time proportional to list x collection).
    """
    values = sum(len(found) for found in wanted.values())
    if not values:
        return iter(())
    collection = db[COLLECTION]
    if collection.estimated_document_count() <= SCAN_FACTOR * values:
        return (
            doc
            for doc in collection.find({}, ROSTER_PROJECTION)
            if any(doc.get(name) in found for name, found in wanted.items())
        )
    clauses = [{name: {"$in": sorted(found)}} for name, found in wanted.items() if found]
    return collection.find({"$or": clauses}, ROSTER_PROJECTION)


@dataclass(frozen=True)
class StudentWrite:
    """One write of a roster chunk: a new student (`new`), or changes to a stored one in `batch_id`."""

    new: dict[str, Any] | None = None
    student_id: ObjectId | None = None
    batch_id: str | None = None
    changes: dict[str, Any] | None = None


def write_students(db: Database, writes: Sequence[StudentWrite]) -> dict[int, int]:
    """Run a chunk of writes unordered; returns the failed writes' error codes by index.

    A duplicate key fails with 11000; an update that matched nothing (the student was moved or
    deleted meanwhile) fails with code 0. Any other write error is raised.
    """
    if not writes:
        return {}
    operations = [
        InsertOne(w.new)
        if w.new is not None
        else UpdateOne({"_id": w.student_id, "batch_id": w.batch_id}, {"$set": w.changes})
        for w in writes
    ]
    try:
        matched = db[COLLECTION].bulk_write(operations, ordered=False).matched_count
        failed: dict[int, int] = {}
    except BulkWriteError as error:
        failed = {item["index"]: item.get("code", 0) for item in error.details.get("writeErrors", [])}
        if any(code != DUPLICATE_KEY for code in failed.values()):
            raise
        matched = error.details.get("nMatched", 0)
    updates = {index: w for index, w in enumerate(writes) if w.new is None}
    if matched < len(updates):
        failed.update(_unmatched(db, updates))
    return failed


def _unmatched(db: Database, updates: dict[int, StudentWrite]) -> dict[int, int]:
    wanted = [w.student_id for w in updates.values()]
    present = {
        (doc["_id"], doc.get("batch_id"))
        for doc in db[COLLECTION].find({"_id": {"$in": wanted}}, {"_id": 1, "batch_id": 1})
    }
    return {index: 0 for index, w in updates.items() if (w.student_id, w.batch_id) not in present}


def created_by_import(db: Database, import_id: str, roll_numbers: Iterable[str]) -> dict[str, dict]:
    """Stored students among these roll numbers that this import created, by roll number."""
    wanted = list(roll_numbers)
    if not wanted:
        return {}
    found = db[COLLECTION].find(
        {"roll_number": {"$in": wanted}, "created_by_import": import_id},
        {"roll_number": 1, "name": 1, "email": 1, "mobile": 1, "campus_id": 1, "batch_id": 1, "course_id": 1},
    )
    return {doc["roll_number"]: doc for doc in found}
