"""The `tests` collection (this module is `papers`: a test paper): a test's sections, window,
policy and who it is assigned to.

Document: {_id, title, campus_id (str), kind: practice|online, sections: [{item_ids: [str]} |
{type, count, level?, module?}], duration_minutes, window_start, window_end (UTC),
attempts_allowed, release: immediate|manual|scheduled, release_at, released_at, batch_ids [str],
student_ids [str], course_ids [str] (courses of what is assigned: course admins see the test),
audience [str] (a token per batch and per student assigned: domain.access.audience), active,
created_by, created_at, updated_at}. A test is open when it is active and
window_start <= now < window_end. Its students are the active students of its batches plus
those named in student_ids.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from domain.access import audience
from domain.filters import all_of
from store import users
from store.common import Records, as_utc, narrowed, to_object_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "tests"
records = Records(COLLECTION)
STUDENT_FIELDS = {"name": 1, "email": 1, "mobile": 1, "roll_number": 1, "campus_id": 1, "course_id": 1, "batch_id": 1}


def ensure_indexes(db: Database) -> None:
    tests = db[COLLECTION]
    tests.create_index([("campus_id", ASCENDING), ("created_at", DESCENDING)], name="campus_recent")
    tests.create_index([("batch_ids", ASCENDING)], name="batches")
    tests.create_index([("student_ids", ASCENDING)], name="students")
    tests.create_index([("course_ids", ASCENDING)], name="courses")
    tests.create_index([("active", ASCENDING), ("audience", ASCENDING)], name="active_audience")
    tests.create_index(
        [("active", ASCENDING), ("window_start", ASCENDING), ("window_end", ASCENDING)], name="open_window"
    )
    tests.create_index(
        [("release", ASCENDING), ("released_at", ASCENDING), ("release_at", ASCENDING)], name="scheduled_release"
    )


def create(db: Database, fields: dict[str, Any], *, created_by: str) -> dict:
    now = utcnow()
    doc = {
        "active": True,
        "batch_ids": [],
        "student_ids": [],
        "course_ids": [],
        "audience": [],
        "released_at": None,
        **fields,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    db[COLLECTION].insert_one(doc)
    return doc


def get(db: Database, test_id: str | ObjectId, scope: dict[str, Any] | None = None) -> dict | None:
    """The test, or None when it does not exist or falls outside `scope` (a MongoDB filter)."""
    return records.get(db, test_id, scope)


def titles(db: Database, test_ids: Iterable[str]) -> dict[str, str]:
    """Test id -> title."""
    oids = [oid for oid in map(to_object_id, test_ids) if oid is not None]
    return {str(doc["_id"]): doc.get("title", "") for doc in db[COLLECTION].find({"_id": {"$in": oids}}, {"title": 1})}


def open_tests(db: Database, now: datetime) -> list[dict]:
    return list(db[COLLECTION].find({"active": True, "window_start": {"$lte": now}, "window_end": {"$gt": now}}))


def is_open(test: dict, now: datetime) -> bool:
    start, end = as_utc(test.get("window_start")), as_utc(test.get("window_end"))
    return bool(test.get("active")) and start is not None and end is not None and start <= now < end


def assign(
    db: Database, test_id: ObjectId, *, batch_ids: list[str], student_ids: list[str], course_ids: list[str]
) -> dict | None:
    """Add batches, students and the courses they bring to the test; the test as it is now."""
    return db[COLLECTION].find_one_and_update(
        {"_id": test_id},
        {
            "$addToSet": {
                "batch_ids": {"$each": batch_ids},
                "student_ids": {"$each": student_ids},
                "course_ids": {"$each": course_ids},
                "audience": {"$each": audience(batch_ids, student_ids)},
            },
            "$set": {"updated_at": utcnow()},
        },
        return_document=ReturnDocument.AFTER,
    )


def fill_audience(db: Database) -> int:
    """Give each test stored before `audience` existed its tokens; how many were filled."""
    filled = 0
    for test in db[COLLECTION].find({"audience": {"$exists": False}}, {"batch_ids": 1, "student_ids": 1}):
        tokens = audience(test.get("batch_ids") or [], test.get("student_ids") or [])
        filled += db[COLLECTION].update_one({"_id": test["_id"]}, {"$set": {"audience": tokens}}).modified_count
    return filled


def mark_released(db: Database, test_id: ObjectId, now: datetime) -> bool:
    """Release results once (manual or scheduled); False when already released."""
    result = db[COLLECTION].update_one(
        {"_id": test_id, "released_at": None}, {"$set": {"released_at": now, "updated_at": now}}
    )
    return result.modified_count == 1


def due_for_release(db: Database, now: datetime) -> list[dict]:
    return list(db[COLLECTION].find({"release": "scheduled", "released_at": None, "release_at": {"$lte": now}}))


def count_referring(db: Database, **reference: str) -> int:
    """Tests that refer to a campus, batch or course (they block deleting it)."""
    return db[COLLECTION].count_documents(reference)


def results_released(test: dict) -> bool:
    """Whether a scored result of this test may be shown to its student."""
    return test.get("release") == "immediate" or test.get("released_at") is not None


# --- who the test is for --------------------------------------------------------------------


def assigned_students(db: Database, test: dict, within: dict[str, Any] | None = None) -> Iterator[dict]:
    """Active students the test is assigned to (through a batch or by name), each once; only
    those matching `within` (a viewer's scope on students) when given.
    """
    seen: set[str] = set()
    named = [oid for oid in map(to_object_id, test.get("student_ids") or []) if oid is not None]
    # Two queries rather than one $or: the nx-27017 stand-in mis-evaluates some $or forms. The
    # batch query's indexed part goes first (store.common.narrowed); the named one pins _id.
    # (nx-27017 cannot compare ObjectIds inside an aggregation, so that one stays a find.)
    active = all_of({"role": "student", "active": True}, within or {})
    batches = {"role": "student", "batch_id": {"$in": [str(b) for b in test.get("batch_ids") or []]}}
    found = itertools.chain(
        db[users.COLLECTION].aggregate([*narrowed(batches, active), {"$project": STUDENT_FIELDS}]),
        db[users.COLLECTION].find(all_of({"_id": {"$in": named}}, active), STUDENT_FIELDS),
    )
    for student in found:
        if str(student["_id"]) not in seen:
            seen.add(str(student["_id"]))
            yield student


def is_assigned(test: dict, student: dict) -> bool:
    return student.get("batch_id") in (test.get("batch_ids") or []) or str(student["_id"]) in (
        test.get("student_ids") or []
    )


def students_newly_covered(db: Database, test: dict, batch_ids: Iterable[str], student_ids: Iterable[str]) -> int:
    """How many active students adding these batches and students would newly assign the test to."""
    already_batches, already_named = set(test.get("batch_ids") or []), set(test.get("student_ids") or [])
    new_batches = [batch for batch in batch_ids if batch not in already_batches]
    covered = set()
    for student in db[users.COLLECTION].find(
        {"role": "student", "active": True, "batch_id": {"$in": new_batches}}, {"_id": 1}
    ):
        covered.add(str(student["_id"]))
    named = [oid for oid in map(to_object_id, student_ids) if oid is not None]
    for student in db[users.COLLECTION].find(
        {"_id": {"$in": named}, "role": "student", "active": True}, {"batch_id": 1}
    ):
        if student.get("batch_id") not in already_batches:
            covered.add(str(student["_id"]))
    return len(covered - already_named)
