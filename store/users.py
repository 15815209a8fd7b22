"""The `users` collection: every account (admins and students), its role and scope."""
from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from store.jobs import utcnow

COLLECTION = "users"
ROLES = ("superadmin", "sub_superadmin", "campus_admin", "course_admin", "student")


def ensure_indexes(db: Database) -> None:
    users = db[COLLECTION]
    users.create_index([("email", ASCENDING)], name="email_unique", unique=True,
                       partialFilterExpression={"email": {"$type": "string"}})
    users.create_index([("roll_number", ASCENDING)], name="roll_number_unique", unique=True,
                       partialFilterExpression={"roll_number": {"$type": "string"}})
    users.create_index([("role", ASCENDING), ("campus_id", ASCENDING)], name="role_campus")


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
