"""The `batches` collection: a batch is in one campus and spans one or more of its courses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import ASCENDING

from store import papers, users
from store.common import NamedRecords, name_key, to_object_id, utcnow

if TYPE_CHECKING:
    from pymongo.database import Database

COLLECTION = "batches"
records = NamedRecords(COLLECTION)


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index(
        [("campus_id", ASCENDING), ("name_key", ASCENDING)], name="batch_name_in_campus_unique", unique=True
    )
    db[COLLECTION].create_index([("course_ids", ASCENDING)], name="batch_courses")


def create(db: Database, fields: dict) -> dict:
    now = utcnow()
    doc = {"active": True, "created_at": now, "updated_at": now, **fields, "name_key": name_key(fields["name"])}
    db[COLLECTION].insert_one(doc)
    return doc


def names_by_id(db: Database, batch_ids: list[str]) -> dict[str, str]:
    """Batch id -> name, for the batches that exist."""
    oids = [oid for oid in map(to_object_id, batch_ids) if oid is not None]
    return {str(doc["_id"]): doc["name"] for doc in db[COLLECTION].find({"_id": {"$in": oids}}, {"name": 1})}


def dependents(db: Database, batch_id: str) -> dict[str, int]:
    return {
        "students": users.count_students(db, batch_id=batch_id),
        "tests": papers.count_referring(db, batch_ids=batch_id),
    }


def students_in_courses(db: Database, batch_id: str, course_ids: list[str]) -> int:
    """Students of the batch enrolled in any of course_ids (they block removing those courses)."""
    if not course_ids:
        return 0
    return users.count_students(db, batch_id=batch_id, course_id={"$in": course_ids})
