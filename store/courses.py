"""The `courses` collection: each course belongs to one campus; names are unique within it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import ASCENDING

from domain.ids import to_object_id
from store import batches, papers, users
from store.common import NamedRecords, name_key, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pymongo.database import Database

COLLECTION = "courses"
records = NamedRecords(COLLECTION)


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index(
        [("campus_id", ASCENDING), ("name_key", ASCENDING)], name="course_name_in_campus_unique", unique=True
    )


def create(db: Database, fields: dict) -> dict:
    now = utcnow()
    doc = {"active": True, "created_at": now, "updated_at": now, **fields, "name_key": name_key(fields["name"])}
    db[COLLECTION].insert_one(doc)
    return doc


def id_filter(course_ids: Iterable[str]) -> dict:
    """A filter for these courses (ids as text; ones that are not ids match nothing)."""
    return {"_id": {"$in": [oid for oid in map(to_object_id, course_ids) if oid is not None]}}


def names_by_id(db: Database, course_ids: Iterable[str]) -> dict[str, str]:
    """Course id -> name, for the courses that exist."""
    return {str(doc["_id"]): doc["name"] for doc in db[COLLECTION].find(id_filter(course_ids), {"name": 1})}


def dependents(db: Database, course_id: str) -> dict[str, int]:
    return {
        "batches": batches.records.count(db, {"course_ids": course_id}),
        "students": users.count_students(db, course_id=course_id),
        "admins": users.count_admins(db, ("course_admin",), course_ids=course_id),
        "tests": papers.count_referring(db, course_ids=course_id),
    }
