"""Run one roster import: read the file from S3, validate it, then write students in chunks.

No Flask, no Celery: `run_import(db, import_id, options, progress)` is called by the job task
(tasks/imports.py) and can be called from a script.

Exactly once, even when a delivery is killed and the job runs again:
- every student this import creates carries `created_by_import`, and every student it writes
  carries `roster_import: {"id", "row"}`; the one lookup of existing students (roll number,
  email, mobile) reads those markers, so rows an earlier delivery wrote are counted as it
  counted them (created or updated) and are not written again;
- new students are inserted, never upserted: the unique roll-number index refuses a second
  copy, and a refusal by a student this import created is counted as created, not as an error;
- an invitation is queued for every created student that has none yet (an earlier delivery may
  have died between writing the students and queueing their invitations).
Row errors are replaced on every delivery; the counts come from the markers, not from history.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Sequence

from bson import ObjectId
from pymongo import InsertOne, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from security.tokens import new_single_use_token
from store import batches, courses, files, roster_imports, users
from store import notifications as outbox
from store.jobs import utcnow
from workers.errors import WorkError
from workers.notifications.requests import NotifyRequest, notify_many

from .headers import HUMAN_NAMES
from .limits import RosterLimits
from .reader import read_roster
from .validation import ExistingStudent, RosterReport, validate_roster

Progress = Callable[[int, int], None]
INVITATION_LIFETIME = timedelta(days=7)  # the same as an invitation sent for one student (api/auth.py)
STUDENT_FIELDS = ("name", "email", "mobile", "course_id")
DUPLICATE_KEY = 11000
# Shown when an email or mobile belongs to an account without a roll number (an admin).
STAFF_ACCOUNT = "(staff account)"
ACCOUNT_PROJECTION = {"roll_number": 1, "email": 1, "mobile": 1, "name": 1, "role": 1, "campus_id": 1,
                      "batch_id": 1, "course_id": 1, "created_by_import": 1, "roster_import": 1}
# Read every account instead of probing the indexes when there are at most this many per looked-up value.
SCAN_FACTOR = 50
# $in lists are kept this short where the development server's $in cost grows with list length squared.
IN_CHUNK = 500


@dataclass(frozen=True)
class ImportOptions:
    limits: RosterLimits
    chunk_rows: int = 500
    default_region: str = "IN"


@dataclass
class Plan:
    """What each valid row needs, decided from the stored students before anything is written."""
    to_insert: list[dict] = field(default_factory=list)
    to_update: list[tuple[dict, dict]] = field(default_factory=list)  # (row, stored student)
    created_earlier: list[dict] = field(default_factory=list)  # stored students this import created
    updated_earlier: int = 0
    unchanged: int = 0


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    write_errors: list[dict] = field(default_factory=list)


def run_import(db: Database, import_id: str | ObjectId, options: ImportOptions, progress: Progress) -> dict:
    """Validate (dry run) or import the roster of one import record; returns the job result."""
    record = roster_imports.get(db, import_id)
    if record is None:
        raise WorkError("not_found", "The import record no longer exists.")
    batch = db[batches.COLLECTION].find_one({"_id": ObjectId(record["batch_id"])})
    if batch is None:
        raise WorkError("batch_not_found", "The batch was deleted before the import ran.")
    importer = _Importer(db, record, batch, options, progress)
    return importer.run()


class _Importer:
    def __init__(self, db: Database, record: dict, batch: dict, options: ImportOptions, progress: Progress):
        self.db = db
        self.record = record
        self.batch = batch
        self.options = options
        self.progress = progress
        self.import_id = str(record["_id"])
        self.allowed_course_ids = set(record.get("course_ids") or batch["course_ids"])
        self.stored_by_roll: dict[str, dict] = {}

    def run(self) -> dict:
        report = self._validate()
        plan = self._plan(report)
        error_count = roster_imports.replace_errors(self.db, self.record["_id"], report.errors)
        if self.record["dry_run"]:
            self.progress(len(report.valid_rows), len(report.valid_rows))
            tally = Tally(created=len(plan.to_insert), updated=len(plan.to_update))
        else:
            tally = self._write(plan, len(report.valid_rows))
            if tally.write_errors:
                roster_imports.append_errors(self.db, self.record["_id"], tally.write_errors, first_seq=error_count)
                error_count += len(tally.write_errors)
        counts = {"rows": report.rows, "created": tally.created, "updated": tally.updated,
                  "skipped": plan.unchanged, "failed": report.failed + len(tally.write_errors),
                  "errors": error_count}
        roster_imports.record_counts(self.db, self.record["_id"], counts)
        return {"import_id": self.import_id, **counts, "dry_run": self.record["dry_run"],
                "errors_url": f"/api/v1/roster-imports/{self.import_id}/errors"}

    # --- reading and deciding --------------------------------------------------------------

    def _validate(self) -> RosterReport:
        stored_file = self.record["file"]
        data = files.read_all(stored_file["key"])
        parsed = read_roster(data, stored_file["filename"], sheet=self.record.get("sheet"),
                             limits=self.options.limits)
        return validate_roster(parsed, courses=self._course_names(),
                               course_required=len(self.batch["course_ids"]) > 1,
                               default_region=self.options.default_region, existing=self._existing)

    def _course_names(self) -> dict[str, str]:
        """Course name -> id for the batch's courses this import may place students in."""
        ids = [ObjectId(course_id) for course_id in self.allowed_course_ids]
        found = self.db[courses.COLLECTION].find({"_id": {"$in": ids}}, {"name": 1})
        names = {doc["name"]: str(doc["_id"]) for doc in found}
        if not names:
            raise WorkError("no_courses", "The batch has no course this import may place students in.")
        return names

    def _existing(self, roll_numbers: set[str], emails: set[str], mobiles: set[str]) -> list[ExistingStudent]:
        """The one read of stored accounts holding any of the file's roll numbers, emails or mobiles."""
        wanted = {"roll_number": roll_numbers, "email": emails, "mobile": mobiles}
        found = []
        for doc in self._accounts_holding(wanted):
            if doc.get("roll_number"):
                self.stored_by_roll[doc["roll_number"]] = doc
            found.append(ExistingStudent(roll_number=doc.get("roll_number") or STAFF_ACCOUNT,
                                         email=doc.get("email"), mobile=doc.get("mobile"),
                                         can_update=self._may_update(doc)))
        return found

    def _accounts_holding(self, wanted: dict[str, set[str]]) -> Iterable[dict]:
        """An indexed $in query, or one pass over the accounts when the file names a sizeable share of
        them: then reading every account's three fields costs less than the index probes (and the
        development MongoDB stand-in evaluates $in in time proportional to list x collection)."""
        values = sum(len(found) for found in wanted.values())
        if not values:
            return []
        collection = self.db[users.COLLECTION]
        if collection.estimated_document_count() <= SCAN_FACTOR * values:
            return (doc for doc in collection.find({}, ACCOUNT_PROJECTION)
                    if any(doc.get(name) in found for name, found in wanted.items()))
        clauses = [{name: {"$in": sorted(found)}} for name, found in wanted.items() if found]
        return collection.find({"$or": clauses}, ACCOUNT_PROJECTION)

    def _may_update(self, doc: dict) -> bool:
        # Students move between batches through the students API, not by re-importing them.
        return (doc.get("role") == "student" and doc.get("batch_id") == str(self.batch["_id"])
                and doc.get("course_id") in self.allowed_course_ids)

    def _plan(self, report: RosterReport) -> Plan:
        plan = Plan()
        for row in report.valid_rows:
            stored = self.stored_by_roll.get(row["roll_number"]) if row["existing"] else None
            if stored is None:
                plan.to_insert.append(row)
            elif stored.get("created_by_import") == self.import_id:
                plan.created_earlier.append(stored)
            elif (stored.get("roster_import") or {}).get("id") == self.import_id:
                plan.updated_earlier += 1
            elif any(stored.get(name) != row[name] for name in STUDENT_FIELDS):
                plan.to_update.append((row, stored))
            else:
                plan.unchanged += 1
        return plan

    # --- writing ---------------------------------------------------------------------------

    def _write(self, plan: Plan, total: int) -> Tally:
        tally = Tally(created=len(plan.created_earlier), updated=plan.updated_earlier)
        done = len(plan.created_earlier) + plan.updated_earlier + plan.unchanged
        self.progress(done, total)  # stops here when a cancel came in while validating
        work: list[tuple[dict, dict | None]] = [(row, None) for row in plan.to_insert] + plan.to_update
        work.sort(key=lambda item: item[0]["row"])
        size = max(1, self.options.chunk_rows)
        for start in range(0, len(work), size):
            chunk = work[start:start + size]
            self._write_chunk(chunk, tally, plan)
            done += len(chunk)
            self.progress(done, total)
        if self.record["send_invitations"] and plan.created_earlier:
            self._invite_the_uninvited(plan.created_earlier)
        return tally

    def _write_chunk(self, chunk: list[tuple[dict, dict | None]], tally: Tally, plan: Plan) -> None:
        now = utcnow()
        invitations: dict[int, tuple[dict, str, datetime]] = {}
        operations = []
        update_ids: dict[int, ObjectId] = {}
        for index, (row, stored) in enumerate(chunk):
            if stored is None:
                student, raw_token = self._new_student(row, now)
                operations.append(InsertOne(student))
                if raw_token:
                    invitations[index] = (student, raw_token, student["invitation"]["expires_at"])
            else:
                update_ids[index] = stored["_id"]
                operations.append(UpdateOne({"_id": stored["_id"], "batch_id": str(self.batch["_id"])},
                                            {"$set": self._changes(row, now)}))
        failed = self._bulk_write(operations, update_ids)
        refused = {index: code for index, code in failed.items() if code == DUPLICATE_KEY and chunk[index][1] is None}
        earlier = self._created_by_this_import([chunk[index][0] for index in refused])
        for index, (row, stored) in enumerate(chunk):
            if index not in failed:
                if stored is None:
                    tally.created += 1
                else:
                    tally.updated += 1
            elif stored is None and row["roll_number"] in earlier:
                tally.created += 1
                plan.created_earlier.append(earlier[row["roll_number"]])
            else:
                tally.write_errors.append(self._write_error(row, failed[index]))
        if self.record["send_invitations"]:
            self._queue_invitations([invitation for index, invitation in invitations.items() if index not in failed])

    def _new_student(self, row: dict, now: datetime) -> tuple[dict, str | None]:
        student = {
            "_id": ObjectId(),
            "role": "student",
            "roll_number": row["roll_number"],
            "campus_id": self.batch["campus_id"],
            "batch_id": str(self.batch["_id"]),
            **{name: row[name] for name in STUDENT_FIELDS},
            "active": True,
            "token_version": 1,
            "created_at": now,
            "updated_at": now,
            "created_by_import": self.import_id,
            "roster_import": {"id": self.import_id, "row": row["row"]},
        }
        if not self.record["send_invitations"]:
            return student, None
        raw, digest = new_single_use_token()
        student["invitation"] = {"token_hash": digest, "expires_at": now + INVITATION_LIFETIME, "created_at": now}
        return student, raw

    def _changes(self, row: dict, now: datetime) -> dict:
        return {**{name: row[name] for name in STUDENT_FIELDS}, "updated_at": now,
                "roster_import": {"id": self.import_id, "row": row["row"]}}

    def _bulk_write(self, operations: list, update_ids: dict[int, ObjectId]) -> dict[int, int]:
        """Run the chunk unordered; returns the failed operations' error codes by index.

        An update that matched nothing (the student was moved or deleted meanwhile) fails with code 0."""
        if not operations:
            return {}
        try:
            matched = self.db[users.COLLECTION].bulk_write(operations, ordered=False).matched_count
            failed: dict[int, int] = {}
        except BulkWriteError as error:
            failed = {item["index"]: item.get("code", 0) for item in error.details.get("writeErrors", [])}
            if any(code != DUPLICATE_KEY for code in failed.values()):
                raise
            matched = error.details.get("nMatched", 0)
        if matched < len(update_ids):
            failed.update(self._unmatched(update_ids))
        return failed

    def _unmatched(self, update_ids: dict[int, ObjectId]) -> dict[int, int]:
        present = {doc["_id"] for doc in self.db[users.COLLECTION].find(
            {"_id": {"$in": list(update_ids.values())}, "batch_id": str(self.batch["_id"])}, {"_id": 1})}
        return {index: 0 for index, student_id in update_ids.items() if student_id not in present}

    def _created_by_this_import(self, rows: Sequence[dict]) -> dict[str, dict]:
        """Stored students among these rows' roll numbers that this import created (a concurrent or
        earlier delivery got there first)."""
        if not rows:
            return {}
        found = self.db[users.COLLECTION].find(
            {"roll_number": {"$in": [row["roll_number"] for row in rows]}, "created_by_import": self.import_id},
            {"roll_number": 1, "name": 1, "email": 1, "mobile": 1, "campus_id": 1, "batch_id": 1, "course_id": 1})
        return {doc["roll_number"]: doc for doc in found}

    @staticmethod
    def _write_error(row: dict, code: int) -> dict:
        if code == DUPLICATE_KEY:
            message = "Another account took this roll number, email or mobile number while the import ran."
        else:
            message = "The student was moved or deleted while the import ran."
        return {"row": row["row"], "column": HUMAN_NAMES["roll_number"], "value": row["roll_number"],
                "message": message}

    # --- invitations -----------------------------------------------------------------------

    def _queue_invitations(self, invitations: Iterable[tuple[dict, str, datetime]]) -> None:
        """One bulk enqueue (and one dispatch kick) per chunk, never a task per student."""
        requests = [NotifyRequest("invitation", student, {"token": raw, "name": student.get("name"),
                                                          "expires_at": expires_at},
                                  subject_entity=f"invitation:{student['invitation']['token_hash'][:16]}")
                    for student, raw, expires_at in invitations]
        if requests:
            notify_many(self.db, requests)

    def _invite_the_uninvited(self, students: list[dict]) -> None:
        """Created by an earlier delivery that died before queueing their invitations: issue fresh tokens."""
        ids = [str(student["_id"]) for student in students]
        invited: set[str] = set()
        for start in range(0, len(ids), IN_CHUNK):
            invited.update(doc["recipient"]["user_id"] for doc in self.db[outbox.COLLECTION].find(
                {"recipient.user_id": {"$in": ids[start:start + IN_CHUNK]}, "kind": "invitation"},
                {"recipient.user_id": 1}))
        now = utcnow()
        pending = []
        for student in students:
            if str(student["_id"]) in invited:
                continue
            raw, digest = new_single_use_token()
            student = {**student, "invitation": {"token_hash": digest, "expires_at": now + INVITATION_LIFETIME,
                                                 "created_at": now}}
            pending.append((student, raw, student["invitation"]["expires_at"]))
        for start in range(0, len(pending), max(1, self.options.chunk_rows)):
            part = pending[start:start + self.options.chunk_rows]
            self.db[users.COLLECTION].bulk_write(
                [UpdateOne({"_id": student["_id"], "password_hash": {"$exists": False}},
                           {"$set": {"invitation": student["invitation"]}}) for student, _, _ in part],
                ordered=False)
            self._queue_invitations(part)


def options_from(settings: Any) -> ImportOptions:
    """ImportOptions from config.Settings (ROSTER_MAX_BYTES, ROSTER_MAX_ROWS, ROSTER_CHUNK_ROWS, ROSTER_DEFAULT_REGION)."""
    return ImportOptions(limits=RosterLimits(max_file_bytes=settings.roster_max_bytes,
                                             max_rows=settings.roster_max_rows),
                         chunk_rows=settings.roster_chunk_rows, default_region=settings.roster_default_region)
