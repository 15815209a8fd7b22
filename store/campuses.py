"""The `campuses` collection: the top of the organisation (campus -> courses -> batches -> students).

Ids that point from one collection to another (campus_id, course_ids, batch_id ...) are stored
as strings, the form they have in the API and in job scopes.
"""
from __future__ import annotations

from pymongo import ASCENDING
from pymongo.database import Database

from store.jobs import utcnow

COLLECTION = "campuses"


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("name_key", ASCENDING)], name="campus_name_unique", unique=True)


def name_key(name: str) -> str:
    """Names are unique regardless of case and surrounding spaces."""
    return " ".join(name.split()).casefold()


def create(db: Database, fields: dict) -> dict:
    now = utcnow()
    doc = {"active": True, "created_at": now, "updated_at": now, **fields, "name_key": name_key(fields["name"])}
    db[COLLECTION].insert_one(doc)
    return doc


def dependents(db: Database, campus_id: str) -> dict[str, int]:
    from store import batches, courses, users
    return {
        "courses": db[courses.COLLECTION].count_documents({"campus_id": campus_id}),
        "batches": db[batches.COLLECTION].count_documents({"campus_id": campus_id}),
        "students": db[users.COLLECTION].count_documents({"role": "student", "campus_id": campus_id}),
        "admins": db[users.COLLECTION].count_documents(
            {"role": {"$in": ["campus_admin", "course_admin"]}, "campus_id": campus_id}),
    }
