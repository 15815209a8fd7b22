"""The `courses` collection: each course belongs to one campus; names are unique within it."""
from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from store.campuses import name_key
from store.jobs import utcnow

COLLECTION = "courses"


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("campus_id", ASCENDING), ("name_key", ASCENDING)],
                                name="course_name_in_campus_unique", unique=True)


def create(db: Database, fields: dict) -> dict:
    now = utcnow()
    doc = {"active": True, "created_at": now, "updated_at": now, **fields, "name_key": name_key(fields["name"])}
    db[COLLECTION].insert_one(doc)
    return doc


def dependents(db: Database, course_id: str) -> dict[str, int]:
    from store import batches, users
    return {
        "batches": db[batches.COLLECTION].count_documents({"course_ids": course_id}),
        "students": db[users.COLLECTION].count_documents({"role": "student", "course_id": course_id}),
        "admins": db[users.COLLECTION].count_documents({"role": "course_admin", "course_ids": course_id}),
    }
