"""The `users` collection: every account (admins and students), its role and scope."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from store.jobs import utcnow

COLLECTION = "users"
ROLES = ("superadmin", "sub_superadmin", "campus_admin", "course_admin", "student")
ADMIN_ROLES = ROLES[:4]
# Single-use tokens kept (hashed) on the account: a new account's invitation, a password reset.
TOKEN_PURPOSES = ("invitation", "password_reset")


def ensure_indexes(db: Database) -> None:
    users = db[COLLECTION]
    users.create_index([("email", ASCENDING)], name="email_unique", unique=True,
                       partialFilterExpression={"email": {"$type": "string"}})
    users.create_index([("roll_number", ASCENDING)], name="roll_number_unique", unique=True,
                       partialFilterExpression={"roll_number": {"$type": "string"}})
    users.create_index([("role", ASCENDING), ("campus_id", ASCENDING)], name="role_campus")
    users.create_index([("role", ASCENDING), ("batch_id", ASCENDING)], name="role_batch")
    users.create_index([("role", ASCENDING), ("course_id", ASCENDING)], name="role_course")
    for purpose in TOKEN_PURPOSES:
        users.create_index([(f"{purpose}.token_hash", ASCENDING)], name=f"{purpose}_token", unique=True,
                           partialFilterExpression={f"{purpose}.token_hash": {"$type": "string"}})


def normalise_login(login: str) -> str:
    return login.strip().lower() if "@" in login else login.strip().upper()


def find_by_login(db: Database, login: str) -> dict | None:
    key = normalise_login(login)
    field = "email" if "@" in key else "roll_number"
    return db[COLLECTION].find_one({field: key})


def get(db: Database, user_id: str | ObjectId) -> dict | None:
    if isinstance(user_id, str):
        if not ObjectId.is_valid(user_id):
            return None
        user_id = ObjectId(user_id)
    return db[COLLECTION].find_one({"_id": user_id})


def create(db: Database, fields: dict[str, Any]) -> dict:
    now = utcnow()
    doc = {"active": True, "token_version": 1, "created_at": now, "updated_at": now, **fields}
    if doc.get("email"):
        doc["email"] = doc["email"].strip().lower()
    if doc.get("roll_number"):
        doc["roll_number"] = doc["roll_number"].strip().upper()
    db[COLLECTION].insert_one(doc)
    return doc


def ensure_superadmin(db: Database, email: str, password_hash: str) -> bool:
    """Create the named superadmin unless an account with that email exists. True if created."""
    try:
        create(db, {"email": email, "name": "Development Admin", "role": "superadmin",
                    "password_hash": password_hash})
        return True
    except DuplicateKeyError:
        return False


def find_page(collection: Collection, query: dict, sort: str, page: int, per_page: int,
              projection: dict | None = None) -> tuple[list[dict], int]:
    """One page of a query; sort is a field name, "-" in front for descending (ties by _id)."""
    direction = DESCENDING if sort.startswith("-") else ASCENDING
    field = sort.lstrip("-")
    cursor = (collection.find(query, projection).sort([(field, direction), ("_id", direction)])
              .skip((page - 1) * per_page).limit(per_page))
    return list(cursor), collection.count_documents(query)


def update(db: Database, user_id: ObjectId, changes: dict[str, Any], *, revoke_tokens: bool = False) -> dict | None:
    """Set fields; with revoke_tokens, bump token_version so every issued token stops working."""
    changes = dict(changes)
    if changes.get("email"):
        changes["email"] = changes["email"].strip().lower()
    if changes.get("roll_number"):
        changes["roll_number"] = changes["roll_number"].strip().upper()
    update_doc: dict[str, Any] = {"$set": {**changes, "updated_at": utcnow()}}
    if revoke_tokens:
        update_doc["$inc"] = {"token_version": 1}
    return db[COLLECTION].find_one_and_update({"_id": user_id}, update_doc,
                                              return_document=ReturnDocument.AFTER)


def set_single_use_token(db: Database, user_id: ObjectId, purpose: str, token_hash: str,
                         expires_at: datetime) -> None:
    """Replace any earlier token of this purpose: only the newest one works."""
    db[COLLECTION].update_one({"_id": user_id}, {"$set": {
        purpose: {"token_hash": token_hash, "expires_at": expires_at, "created_at": utcnow()}}})


def find_by_single_use_token(db: Database, purpose: str, token_hash: str, now: datetime) -> dict | None:
    return db[COLLECTION].find_one({f"{purpose}.token_hash": token_hash,
                                    f"{purpose}.expires_at": {"$gt": now}, "active": True})


def consume_single_use_token(db: Database, purpose: str, token_hash: str, now: datetime,
                             password_hash: str) -> dict | None:
    """Atomically use the token to set a password: it works once, before it expires, for an active
    account. Every outstanding single-use token and every issued JWT of the account stop working."""
    return db[COLLECTION].find_one_and_update(
        {f"{purpose}.token_hash": token_hash, f"{purpose}.expires_at": {"$gt": now}, "active": True},
        {"$set": {"password_hash": password_hash, "updated_at": now},
         "$unset": {p: "" for p in TOKEN_PURPOSES}, "$inc": {"token_version": 1}},
        return_document=ReturnDocument.AFTER)


def delete(db: Database, user_id: ObjectId) -> bool:
    return db[COLLECTION].delete_one({"_id": user_id}).deleted_count == 1
