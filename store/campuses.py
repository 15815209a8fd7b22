"""The `campuses` collection: the top of the organisation (campus -> courses -> batches -> students).

Ids that point from one collection to another (campus_id, course_ids, batch_id ...) are stored
as strings, the form they have in the API and in job scopes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import ASCENDING

from store import batches, courses, papers, users
from store.common import NamedRecords, name_key, utcnow

if TYPE_CHECKING:
    from pymongo.database import Database

COLLECTION = "campuses"
records = NamedRecords(COLLECTION)


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("name_key", ASCENDING)], name="campus_name_unique", unique=True)


def create(db: Database, fields: dict) -> dict:
    now = utcnow()
    doc = {"active": True, "created_at": now, "updated_at": now, **fields, "name_key": name_key(fields["name"])}
    db[COLLECTION].insert_one(doc)
    return doc


def dependents(db: Database, campus_id: str) -> dict[str, int]:
    return {
        "courses": courses.records.count(db, {"campus_id": campus_id}),
        "batches": batches.records.count(db, {"campus_id": campus_id}),
        "students": users.count_students(db, campus_id=campus_id),
        "admins": users.count_admins(db, ("campus_admin", "course_admin"), campus_id=campus_id),
        "tests": papers.count_referring(db, campus_id=campus_id),
    }
