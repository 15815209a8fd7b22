"""Read-only access to tests, attempts and students for notifications (reminders).

The assessment feature owns these collections; notifications read them only through
this module, so a change of their shape is fixed here. The contract assumed:

- `tests`: {_id (ObjectId), title (str), campus_id (str), window_start, window_end
  (UTC datetimes), batch_ids [str], student_ids [str], active (bool)}. A test is open
  when it is active and window_start <= now < window_end. Its students are the active
  students of its batches plus those named in student_ids.
- `attempts`: {test_id (str), student_id (str)}: any attempt, finished or not, means
  the student has started and gets no reminder.
- students are `users` {_id (ObjectId), role: "student", batch_id (str), active (bool),
  name, email, mobile, campus_id, course_id}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store.common import as_utc, to_object_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

TESTS = "tests"
ATTEMPTS = "attempts"
USERS = "users"
# Collections of the assessment feature whose records belong to a student (they block deleting one).
STUDENT_RECORDS = (ATTEMPTS, "results")
STUDENT_FIELDS = {"name": 1, "email": 1, "mobile": 1, "campus_id": 1, "course_id": 1, "batch_id": 1}


def get_test(db: Database, test_id: str | ObjectId, scope: dict[str, Any] | None = None) -> dict | None:
    """The test, or None when it does not exist or falls outside `scope` (a MongoDB filter)."""
    oid = to_object_id(test_id)
    if oid is None:
        return None
    return db[TESTS].find_one({"$and": [{"_id": oid}, scope]} if scope else {"_id": oid})


def open_tests(db: Database, now: datetime) -> list[dict]:
    return list(db[TESTS].find({"active": True, "window_start": {"$lte": now}, "window_end": {"$gt": now}}))


def is_open(test: dict, now: datetime) -> bool:
    start, end = as_utc(test.get("window_start")), as_utc(test.get("window_end"))
    return bool(test.get("active")) and start is not None and end is not None and start <= now < end


def students_without_attempt(db: Database, test: dict) -> Iterator[dict]:
    """Active students the test is assigned to who have no attempt at it yet."""
    started = set(db[ATTEMPTS].distinct("student_id", {"test_id": str(test["_id"])}))
    for student in _assigned_students(db, test):
        if str(student["_id"]) not in started:
            yield student


def student_records(db: Database, student_id: str) -> dict[str, int]:
    """How many assessment records (attempts, results) belong to the student."""
    return {name: db[name].count_documents({"student_id": student_id}) for name in STUDENT_RECORDS}


def _assigned_students(db: Database, test: dict) -> Iterator[dict]:
    seen: set[str] = set()
    named = [oid for oid in map(to_object_id, test.get("student_ids") or []) if oid is not None]
    # Two queries rather than one $or: the nx-27017 stand-in mis-evaluates some $or forms.
    queries: list[dict[str, Any]] = [
        {"batch_id": {"$in": [str(b) for b in test.get("batch_ids") or []]}},
        {"_id": {"$in": named}},
    ]
    for query in queries:
        for student in db[USERS].find({**query, "role": "student", "active": True}, STUDENT_FIELDS):
            if str(student["_id"]) not in seen:
                seen.add(str(student["_id"]))
                yield student
