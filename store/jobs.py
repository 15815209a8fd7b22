"""The `jobs` collection: the single source of truth for every asynchronous operation.

A job moves queued -> running -> succeeded | failed | cancelled. Every change bumps
`rev` (the ETag) and `updated_at`. A running job holds a lease (`lease_until`) that its
worker renews; a delivery that finds a live lease held by someone else is a duplicate
and is dropped, and the sweeper re-publishes jobs whose lease ran out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from domain.jobkinds import JOB_STATES, TERMINAL_STATES
from store.common import Page, Records, page_of, utcnow

if TYPE_CHECKING:
    from pymongo.database import Database

COLLECTION = "jobs"
records = Records(COLLECTION)
STATES, TERMINAL = JOB_STATES, TERMINAL_STATES


def ensure_indexes(db: Database) -> None:
    jobs = db[COLLECTION]
    jobs.create_index([("owner_id", ASCENDING), ("created_at", DESCENDING)], name="owner_recent")
    jobs.create_index([("state", ASCENDING), ("published_at", ASCENDING)], name="state_published")
    jobs.create_index([("state", ASCENDING), ("lease_until", ASCENDING)], name="state_lease")
    jobs.create_index(
        [("state", ASCENDING), ("finished_at", DESCENDING)], name="state_finished"
    )  # ops: recent failures
    jobs.create_index(
        [("dedup_key", ASCENDING)],
        name="dedup_key",
        unique=True,
        partialFilterExpression={"dedup_key": {"$type": "string"}},
    )
    # Held only while a job is queued or running (finish removes it): an identical request meanwhile
    # gets that job.
    jobs.create_index(
        [("coalesce_key", ASCENDING)],
        name="coalesce_key",
        unique=True,
        partialFilterExpression={"coalesce_key": {"$type": "string"}},
    )


@dataclass(frozen=True)
class NewJob:
    kind: str
    owner_id: str
    params: dict[str, Any]
    scope: dict[str, Any] | None = None  # e.g. {"campus_id": ...} so admins above the owner can see it
    total: int = 0
    dedup_key: str | None = None  # one job for this key, ever
    job_id: ObjectId | None = None
    coalesce_key: str | None = None  # one job for this key at a time: while it is queued or running
    queue: str | None = None  # this job's queue when not its kind's (see domain.assessment.scoring_queue)


def create(db: Database, new: NewJob, queue: str, *, publishing: bool = False) -> dict:
    """Insert a queued job. With a dedup_key, the job already holding that key (in any state) is returned instead.

    Scope ids are stored as text, the form the access policy's scope queries compare with. With
    `publishing`, the insert already counts the publish the caller makes next (`published_at`,
    `publishes`), so a published job costs no second write; a caller whose publish fails calls
    `unpublished` (ADR 0020).
    """
    now = utcnow()
    doc = {
        "_id": new.job_id or ObjectId(),
        "kind": new.kind,
        "owner_id": str(new.owner_id),
        "scope": {name: str(value) for name, value in (new.scope or {}).items() if value is not None},
        "queue": queue,
        "params": new.params,
        "state": "queued",
        "progress": {"done": 0, "total": new.total},
        "result": None,
        "error": None,
        "deliveries": 0,
        "publishes": 1 if publishing else 0,
        "cancel_requested": False,
        "rev": 1,
        "created_at": now,
        "updated_at": now,
        "published_at": now if publishing else None,
        "started_at": None,
        "finished_at": None,
        "lease_until": None,
        "holder": None,
    }
    if new.dedup_key:
        doc["dedup_key"] = new.dedup_key
        existing: dict[str, Any] | None = db[COLLECTION].find_one({"dedup_key": new.dedup_key})
        if existing is not None:
            return existing
    if new.coalesce_key:
        doc["coalesce_key"] = new.coalesce_key
        active = active_for(db, new.coalesce_key)
        if active is not None:
            return active
    try:
        db[COLLECTION].insert_one(doc)
    except DuplicateKeyError:  # an identical request inserted it a moment earlier
        raced = active_for(db, new.coalesce_key) if new.coalesce_key else None
        if raced is None:
            raise
        return raced
    return doc


def active_for(db: Database, coalesce_key: str) -> dict | None:
    """The queued or running job holding this coalescing key, if any."""
    found: dict | None = db[COLLECTION].find_one({"coalesce_key": coalesce_key})
    return found


def get(db: Database, job_id: str | ObjectId, within: dict[str, Any] | None = None) -> dict | None:
    """The job, if it exists and matches `within` (a caller's scope)."""
    return records.get(db, job_id, within)


def list_for(db: Database, query: dict, page: int, per_page: int) -> Page:
    """Newest first, without params (they can be large)."""
    return page_of(
        db[COLLECTION],
        query,
        [("created_at", DESCENDING), ("_id", DESCENDING)],
        page,
        per_page,
        projection={"params": 0},
    )


def count_in_states(db: Database, states: tuple[str, ...]) -> dict[str, int]:
    """How many jobs are in each of these states."""
    return {state: db[COLLECTION].count_documents({"state": state}) for state in states}


def recent_failures(db: Database, limit: int = 20) -> list[dict]:
    """The latest failed jobs, newest first, without their params."""
    found = db[COLLECTION].find({"state": "failed"}, {"params": 0}).sort("finished_at", DESCENDING).limit(limit)
    return list(found)


def states_of(db: Database, job_ids: list[ObjectId]) -> dict[ObjectId, dict]:
    """State and error of each of these jobs, by id."""
    return {job["_id"]: job for job in db[COLLECTION].find({"_id": {"$in": job_ids}}, {"state": 1, "error": 1})}


def mark_published(db: Database, job_id: ObjectId) -> None:
    db[COLLECTION].update_one({"_id": job_id}, {"$set": {"published_at": utcnow()}, "$inc": {"publishes": 1}})


def unpublished(db: Database, job: dict) -> None:
    """Take back the publish `create(publishing=True)` counted, when it failed: the job is then
    unpublished, which the sweeper publishes at its next round rather than after
    JOB_QUEUED_REPUBLISH_SECONDS.
    """
    db[COLLECTION].update_one(
        {"_id": job["_id"], "published_at": job["published_at"]},
        {"$set": {"published_at": None}, "$inc": {"publishes": -1}},
    )


def claim(
    db: Database, job_id: ObjectId, holder: str, lease_seconds: int, *, holder_is_dead: bool = False
) -> dict | None:
    """Start a delivery: queued, or running with an expired (or dead) holder -> running.

    Returns the claimed job, or None when this delivery must do nothing (finished,
    cancelled, or another live worker holds it).
    """
    now = utcnow()
    takeover = [{"state": "queued"}, {"state": "running", "lease_until": {"$lt": now}}]
    if holder_is_dead:
        takeover.append({"state": "running"})
    claimed = db[COLLECTION].update_one(
        {"_id": job_id, "$or": takeover},
        {
            "$set": {
                "state": "running",
                "holder": holder,
                "started_at": now,
                "updated_at": now,
                "lease_until": now + timedelta(seconds=lease_seconds),
            },
            "$inc": {"deliveries": 1, "rev": 1},
        },
    )
    # A conditional update_one is atomic; reading back by holder sees only our own claim.
    # (update_one + find_one rather than find_one_and_update: one dev server is slow at the latter.)
    return db[COLLECTION].find_one({"_id": job_id, "holder": holder}) if claimed.modified_count else None


def renew_lease(db: Database, job_id: ObjectId, holder: str, lease_seconds: int) -> bool:
    until = utcnow() + timedelta(seconds=lease_seconds)
    res = db[COLLECTION].update_one(
        {"_id": job_id, "state": "running", "holder": holder}, {"$set": {"lease_until": until}}
    )
    return res.matched_count == 1


def report_progress(db: Database, job_id: ObjectId, holder: str, done: int, total: int | None = None) -> dict | None:
    """Record progress; returns the job (so the caller sees cancel_requested) or None if lost."""
    fields: dict[str, Any] = {"progress.done": done, "updated_at": utcnow()}
    if total is not None:
        fields["progress.total"] = total
    updated = db[COLLECTION].update_one(
        {"_id": job_id, "state": "running", "holder": holder}, {"$set": fields, "$inc": {"rev": 1}}
    )
    if not updated.matched_count:
        return None
    return db[COLLECTION].find_one({"_id": job_id}, {"cancel_requested": 1, "progress": 1})


def finish(
    db: Database,
    job_id: ObjectId,
    state: str,
    *,
    holder: str | None = None,
    result: Any = None,
    error: dict | None = None,
) -> bool:
    """Move a job to a terminal state once. With holder, only that delivery may finish it."""
    if state not in TERMINAL:
        raise ValueError(f"not a terminal state: {state}")
    query: dict[str, Any] = {"_id": job_id, "state": {"$nin": list(TERMINAL)}}
    if holder is not None:
        query["holder"] = holder
    now = utcnow()
    update: dict[str, Any] = {
        "state": state,
        "finished_at": now,
        "updated_at": now,
        "result": result,
        "error": error,
        "lease_until": None,
    }
    res = db[COLLECTION].update_one(query, {"$set": update, "$unset": {"coalesce_key": ""}, "$inc": {"rev": 1}})
    return res.modified_count == 1


def request_cancel(db: Database, job_id: ObjectId) -> dict | None:
    """Queued jobs are cancelled at once; running ones are flagged and stop at their next step."""
    now = utcnow()
    db[COLLECTION].update_one(
        {"_id": job_id, "state": "queued"},
        {
            "$set": {
                "state": "cancelled",
                "finished_at": now,
                "updated_at": now,
                "error": {"code": "cancelled", "message": "Cancelled before it started."},
            },
            "$unset": {"coalesce_key": ""},
            "$inc": {"rev": 1},
        },
    )
    db[COLLECTION].update_one(
        {"_id": job_id, "state": "running", "cancel_requested": False},
        {"$set": {"cancel_requested": True, "updated_at": now}, "$inc": {"rev": 1}},
    )
    return get(db, job_id)


def requeue(db: Database, job_id: ObjectId, expected_rev: int) -> bool:
    """Put a running job whose worker vanished back to queued (the sweeper then publishes it)."""
    res = db[COLLECTION].update_one(
        {"_id": job_id, "state": "running", "rev": expected_rev},
        {"$set": {"state": "queued", "holder": None, "lease_until": None, "updated_at": utcnow()}, "$inc": {"rev": 1}},
    )
    return res.modified_count == 1


def stale_queued(db: Database, older_than: datetime, limit: int = 500) -> list[dict]:
    query = {"state": "queued", "$or": [{"published_at": None}, {"published_at": {"$lt": older_than}}]}
    return list(db[COLLECTION].find(query, {"params": 0}).limit(limit))


def expired_running(db: Database, now: datetime, limit: int = 500) -> list[dict]:
    return list(db[COLLECTION].find({"state": "running", "lease_until": {"$lt": now}}, {"params": 0}).limit(limit))
