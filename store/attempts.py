"""The `attempts` collection: one student's sitting of a test.

Document: {_id, test_id, student_id, campus_id, batch_id, course_id (str), number (1, 2 ...),
state: in_progress|finished, seed (the form's draw is reproducible from it), items: [{item_id,
type, section, module, time_limit_seconds, option_count (mcq; absent on attempts started before
it was kept)}] (the student's own form, fixed at the start, so a resume sees the same items and
an answer is checked without reading its item), started_at, deadline (the earlier of start +
duration and the window's end, kept here, never in the browser), finished_at, finish_reason:
student|deadline, answers: {item_id: {opened_at (when the item was first served: its clock),
state: received|scored|failed, job_id, at (when the answer arrived, then when it was scored),
reason (why a failed answer has no score)}}, result (the aggregated score),
result_state: none|scoring|awaiting_release|released, released_at, created_at, updated_at}.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from domain.filters import all_of
from store import listings
from store.common import Page, Records, first_row, page_of, sort_spec, utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "attempts"
records = Records(COLLECTION)
RESULTS = listings.Listing("results")  # each test's results rows, by the test's id
IN_PROGRESS, FINISHED = "in_progress", "finished"


def ensure_indexes(db: Database) -> None:
    attempts = db[COLLECTION]
    attempts.create_index(
        [("test_id", ASCENDING), ("student_id", ASCENDING), ("number", ASCENDING)],
        name="one_number_per_student",
        unique=True,
    )
    attempts.create_index([("student_id", ASCENDING), ("started_at", DESCENDING)], name="student_recent")
    attempts.create_index([("state", ASCENDING), ("deadline", ASCENDING)], name="state_deadline")
    attempts.create_index([("test_id", ASCENDING), ("result_state", ASCENDING)], name="test_result_state")
    # Finished attempts left `scoring` (their answers' jobs ended without a score), for the sweeper.
    attempts.create_index([("result_state", ASCENDING), ("updated_at", ASCENDING)], name="result_state_updated")
    # A test's results as its campus's and its courses' admins page them, and a student's own
    # attempts at the tests on their list.
    attempts.create_index(
        [("test_id", ASCENDING), ("campus_id", ASCENDING), ("started_at", DESCENDING)], name="test_campus_recent"
    )
    attempts.create_index([("test_id", ASCENDING), ("course_id", ASCENDING)], name="test_course")
    attempts.create_index([("student_id", ASCENDING), ("test_id", ASCENDING)], name="student_test")


def start(db: Database, fields: dict[str, Any]) -> dict | None:
    """Insert a new attempt; None when another request started the same number first."""
    now = utcnow()
    doc = {
        "state": IN_PROGRESS,
        "answers": {},
        "result": None,
        "result_state": "none",
        "released_at": None,
        "finished_at": None,
        "finish_reason": None,
        **fields,
        "created_at": now,
        "updated_at": now,
    }
    try:
        db[COLLECTION].insert_one(doc)
    except DuplicateKeyError:
        return None
    RESULTS.invalidate(doc["test_id"])
    return doc


def in_progress(db: Database, test_id: str, student_id: str) -> dict | None:
    return db[COLLECTION].find_one({"test_id": test_id, "student_id": student_id, "state": IN_PROGRESS})


def count_for(db: Database, test_id: str, student_id: str) -> int:
    return db[COLLECTION].count_documents({"test_id": test_id, "student_id": student_id})


def get(db: Database, attempt_id: str | ObjectId, scope: dict[str, Any] | None = None) -> dict | None:
    return records.get(db, attempt_id, scope)


def accept_answer(
    db: Database,
    attempt_id: ObjectId,
    item_id: str,
    job_id: str,
    now: datetime,
    *,
    grace: timedelta,
    item_seconds: int | None = None,
) -> bool:
    """Record the item's answer as received (replacing an earlier one) in one conditional write:
    only while the attempt is in progress, its deadline plus `grace` not passed and, for an item
    with a time limit, within `item_seconds` plus `grace` of when the item was opened. False when
    any of those no longer holds (nothing is written).
    """
    query: dict[str, Any] = {"_id": attempt_id, "state": IN_PROGRESS, "deadline": {"$gte": now - grace}}
    if item_seconds is not None:
        query[f"answers.{item_id}.opened_at"] = {"$gte": now - grace - timedelta(seconds=item_seconds)}
    answer = f"answers.{item_id}"
    written = db[COLLECTION].update_one(
        query,
        {
            "$set": {f"{answer}.state": "received", f"{answer}.job_id": job_id, f"{answer}.at": now, "updated_at": now},
            "$unset": {f"{answer}.reason": ""},
        },
    )
    return written.modified_count == 1


def open_item(db: Database, attempt_id: ObjectId, item_id: str, now: datetime) -> datetime | None:
    """Start the item's clock the first time it is served (later views keep the first time); the
    time it was first opened, or None when the attempt is no longer in progress.
    """
    db[COLLECTION].update_one(
        {"_id": attempt_id, "state": IN_PROGRESS, f"answers.{item_id}.opened_at": {"$exists": False}},
        {"$set": {f"answers.{item_id}.opened_at": now, "updated_at": now}},
    )
    attempt = db[COLLECTION].find_one({"_id": attempt_id}, {f"answers.{item_id}.opened_at": 1, "state": 1})
    if attempt is None or attempt["state"] != IN_PROGRESS:
        return None
    opened: datetime | None = ((attempt.get("answers") or {}).get(item_id) or {}).get("opened_at")
    return opened


def record_answer_outcome(
    db: Database, attempt_id: ObjectId, item_id: str, state: str, job_id: str, reason: str | None = None
) -> bool:
    """scored/failed for the item's current answer while it is still being scored (a job of a
    replaced answer, or of one already settled without it, changes nothing).
    """
    fields: dict[str, Any] = {
        f"answers.{item_id}.state": state,
        f"answers.{item_id}.at": utcnow(),
        "updated_at": utcnow(),
    }
    if reason:
        fields[f"answers.{item_id}.reason"] = reason
    result = db[COLLECTION].update_one(
        {"_id": attempt_id, f"answers.{item_id}.job_id": job_id, f"answers.{item_id}.state": "received"},
        {"$set": fields},
    )
    return result.modified_count == 1


def finish(db: Database, attempt_id: ObjectId, reason: str, now: datetime) -> dict | None:
    """in_progress -> finished once; the attempt as it is now (finished either way), or None if gone."""
    finished = db[COLLECTION].update_one(
        {"_id": attempt_id, "state": IN_PROGRESS},
        {
            "$set": {
                "state": FINISHED,
                "finished_at": now,
                "finish_reason": reason,
                "result_state": "scoring",
                "updated_at": now,
            }
        },
    )
    attempt = get(db, attempt_id)
    if finished.modified_count and attempt is not None:
        RESULTS.invalidate(attempt["test_id"])
    return attempt


def past_deadline(db: Database, before: datetime, limit: int = 500) -> list[dict]:
    """Attempts still in progress whose deadline passed before `before`."""
    return list(db[COLLECTION].find({"state": IN_PROGRESS, "deadline": {"$lt": before}}, {"_id": 1}).limit(limit))


def record_result(
    db: Database,
    attempt_id: ObjectId,
    result: dict[str, Any],
    result_state: str,
    now: datetime,
    *,
    from_state: str = "scoring",
) -> dict | None:
    """Store a finished attempt's result, moving its result state from `from_state` (what the
    caller read) to `result_state`; None when the attempt is no longer in `from_state` (another
    settle or a release came first: nothing is written).
    """
    released = {"released_at": now} if result_state == "released" and from_state != "released" else {}
    attempt = db[COLLECTION].find_one_and_update(
        {"_id": attempt_id, "state": FINISHED, "result_state": from_state},
        {"$set": {"result": result, "result_state": result_state, **released, "updated_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    if attempt is not None:
        RESULTS.invalidate(attempt["test_id"])
    return attempt


def release_one(db: Database, attempt_id: ObjectId, now: datetime) -> bool:
    """awaiting_release -> released for one attempt; False when it was not awaiting release."""
    released = db[COLLECTION].find_one_and_update(
        {"_id": attempt_id, "result_state": "awaiting_release"},
        {"$set": {"result_state": "released", "released_at": now, "updated_at": now}},
        {"test_id": 1},
    )
    if released is not None:
        RESULTS.invalidate(released["test_id"])
    return released is not None


def release_scored(db: Database, test_id: str, now: datetime) -> list[dict]:
    """awaiting_release -> released for the test's scored attempts; the attempts released."""
    waiting = list(
        db[COLLECTION].find({"test_id": test_id, "result_state": "awaiting_release"}, {"_id": 1, "student_id": 1})
    )
    if waiting:
        db[COLLECTION].update_many(
            {"_id": {"$in": [a["_id"] for a in waiting]}, "result_state": "awaiting_release"},
            {"$set": {"result_state": "released", "released_at": now, "updated_at": now}},
        )
        RESULTS.invalidate(test_id)
    return waiting


def stuck_in_scoring(db: Database, before: datetime, limit: int = 500) -> list[dict]:
    """Finished attempts still `scoring` that nothing has changed since `before`."""
    query = {"result_state": "scoring", "updated_at": {"$lt": before}}
    return list(db[COLLECTION].find(query, {"_id": 1, "answers": 1, "state": 1}).limit(limit))


def student_ids_with_attempt(db: Database, test_id: str) -> set[str]:
    return set(db[COLLECTION].distinct("student_id", {"test_id": test_id}))


def for_student(db: Database, student_id: str, test_ids: list[str]) -> list[dict]:
    return list(
        db[COLLECTION].find(
            {"student_id": student_id, "test_id": {"$in": test_ids}}, {"test_id": 1, "state": 1, "number": 1}
        )
    )


# What a results row shows of an attempt: not its form, answers or the result's details.
ROW_FIELDS = {
    "test_id": 1,
    "student_id": 1,
    "batch_id": 1,
    "number": 1,
    "state": 1,
    "result_state": 1,
    "result.overall": 1,
    "result.subscores": 1,
    "started_at": 1,
    "finished_at": 1,
}


def page(db: Database, query: dict[str, Any], sort: str, page_number: int, per_page: int) -> Page:
    """A page of attempts as results rows (ROW_FIELDS)."""
    return page_of(db[COLLECTION], query, sort_spec(sort), page_number, per_page, projection=ROW_FIELDS)


def results_page(db: Database, test_id: str, query: dict[str, Any], sort: str, page_number: int, per_page: int) -> Page:
    """A page of a test's attempts (`query` names the test and narrows it) as results rows, from
    the test's cached listing (store/listings.py) when the cache is on.
    """
    if not listings.enabled():
        return page(db, query, sort, page_number, per_page)
    start = first_row(page_number, per_page)
    rows, total = RESULTS.page(
        test_id,
        {"query": query, "sort": sort},
        lambda: db[COLLECTION].find(query, ROW_FIELDS).sort(sort_spec(sort)),
        start,
        start + per_page,
    )
    return Page(rows, total, page_number, per_page)


def latest_per_student(db: Database, test_id: str, within: dict[str, Any] | None = None) -> dict[str, dict]:
    """Each student's latest attempt at the test (among those matching `within`, a viewer's
    scope), by student id.
    """
    latest: dict[str, dict] = {}
    for attempt in db[COLLECTION].find(all_of({"test_id": test_id}, within or {})).sort("number", ASCENDING):
        latest[attempt["student_id"]] = attempt
    return latest


def count_for_test(db: Database, test_id: str) -> int:
    return db[COLLECTION].count_documents({"test_id": test_id})


def count_for_student(db: Database, student_id: str) -> int:
    return db[COLLECTION].count_documents({"student_id": student_id})
