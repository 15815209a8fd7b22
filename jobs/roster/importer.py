"""Run one roster import: read the file from S3, validate it, then write students in chunks.

No Flask, no Celery: `run_import(db, import_id, options, progress)` is called by the job task
(tasks/roster_imports.py) and can be called from a script.

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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson import ObjectId

from services import invitations, notify
from store import batches, courses, files, roster_imports, users
from store.common import utcnow
from store.users import DUPLICATE_KEY, StudentWrite
from workers.errors import WorkError
from workers.roster.headers import HUMAN_NAMES
from workers.roster.limits import RosterLimits
from workers.roster.reader import read_roster
from workers.roster.validation import ExistingStudent, RosterReport, validate_roster

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.database import Database

    from services.invitations import SingleUseToken

Progress = Callable[[int, int], None]
STUDENT_FIELDS = ("name", "email", "mobile", "course_id")
# Shown when an email or mobile belongs to an account without a roll number (an admin).
STAFF_ACCOUNT = "(staff account)"


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
    batch = batches.records.get(db, record["batch_id"])
    if batch is None:
        raise WorkError("batch_not_found", "The batch was deleted before the import ran.")
    importer = _Importer(db, record, batch, options, progress)
    return importer.run()


class _Importer:
    def __init__(self, db: Database, record: dict, batch: dict, options: ImportOptions, progress: Progress) -> None:
        self.db = db
        self.record = record
        self.batch = batch
        self.options = options
        self.progress = progress
        self.import_id = str(record["_id"])
        # The courses the uploader may place students in, fixed at upload; an empty list means
        # none (never "all"). Records from before the field existed fall back to the batch's.
        allowed = record.get("course_ids")
        self.allowed_course_ids = set(batch["course_ids"] if allowed is None else allowed)
        self.stored_by_roll: dict[str, dict] = {}
        # The import's invitations are held until it has written every row (ADR 0014).
        self.source = f"roster_import:{self.import_id}"

    def run(self) -> dict:
        report = self._validate()
        plan = self._plan(report)
        error_count = roster_imports.outcome.replace_errors(self.db, self.record["_id"], report.errors)
        if self.record["dry_run"]:
            self.progress(len(report.valid_rows), len(report.valid_rows))
            tally = Tally(created=len(plan.to_insert), updated=len(plan.to_update))
        else:
            tally = self._write(plan, len(report.valid_rows))
            if tally.write_errors:
                roster_imports.outcome.append_errors(
                    self.db, self.record["_id"], tally.write_errors, first_seq=error_count
                )
                error_count += len(tally.write_errors)
        counts = {
            "rows": report.rows,
            "created": tally.created,
            "updated": tally.updated,
            "skipped": plan.unchanged,
            "failed": report.failed + len(tally.write_errors),
            "errors": error_count,
        }
        roster_imports.outcome.record_counts(self.db, self.record["_id"], counts)
        return {
            "import_id": self.import_id,
            **counts,
            "dry_run": self.record["dry_run"],
            "errors_url": f"/api/v1/roster-imports/{self.import_id}/errors",
        }

    # --- reading and deciding --------------------------------------------------------------

    def _validate(self) -> RosterReport:
        stored_file = self.record["file"]
        data = files.read_all(stored_file["key"])
        parsed = read_roster(data, stored_file["filename"], sheet=self.record.get("sheet"), limits=self.options.limits)
        return validate_roster(
            parsed,
            courses=self._course_names(),
            course_required=len(self.batch["course_ids"]) > 1,
            default_region=self.options.default_region,
            existing=self._existing,
        )

    def _course_names(self) -> dict[str, str]:
        """Course name -> id for the batch's courses this import may place students in."""
        names = {name: course_id for course_id, name in courses.names_by_id(self.db, self.allowed_course_ids).items()}
        if not names:
            raise WorkError("no_courses", "The batch has no course this import may place students in.")
        return names

    def _existing(self, roll_numbers: set[str], emails: set[str], mobiles: set[str]) -> list[ExistingStudent]:
        """The one read of stored accounts holding any of the file's roll numbers, emails or mobiles."""
        wanted = {"roll_number": roll_numbers, "email": emails, "mobile": mobiles}
        found = []
        for doc in users.accounts_holding(self.db, wanted):
            if doc.get("roll_number"):
                self.stored_by_roll[doc["roll_number"]] = doc
            found.append(
                ExistingStudent(
                    roll_number=doc.get("roll_number") or STAFF_ACCOUNT,
                    email=doc.get("email"),
                    mobile=doc.get("mobile"),
                    can_update=self._may_update(doc),
                )
            )
        return found

    def _may_update(self, doc: dict) -> bool:
        # Students move between batches through the students API, not by re-importing them.
        return (
            doc.get("role") == "student"
            and doc.get("batch_id") == str(self.batch["_id"])
            and doc.get("course_id") in self.allowed_course_ids
        )

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
        work: list[tuple[dict, dict | None]] = [(row, None) for row in plan.to_insert]
        work += plan.to_update
        work.sort(key=lambda item: item[0]["row"])
        size = max(1, self.options.chunk_rows)
        for start in range(0, len(work), size):
            chunk = work[start : start + size]
            self._write_chunk(chunk, tally, plan)
            done += len(chunk)
            self.progress(done, total)
        if self.record["send_invitations"] and plan.created_earlier:
            invitations.reinvite_uninvited(self.db, plan.created_earlier, self.options.chunk_rows, self.source)
        if self.record["send_invitations"]:
            notify.release_held(self.db, self.source)
        return tally

    def _write_chunk(self, chunk: list[tuple[dict, dict | None]], tally: Tally, plan: Plan) -> None:
        now = utcnow()
        issued: dict[int, tuple[dict, SingleUseToken]] = {}
        writes = []
        for index, (row, stored) in enumerate(chunk):
            if stored is None:
                student, token = self._new_student(row, now)
                writes.append(StudentWrite(new=student))
                if token:
                    issued[index] = (student, token)
            else:
                writes.append(
                    StudentWrite(
                        student_id=stored["_id"], batch_id=str(self.batch["_id"]), changes=self._changes(row, now)
                    )
                )
        failed = users.write_students(self.db, writes)
        refused = [
            chunk[index][0]["roll_number"]
            for index, code in failed.items()
            if code == DUPLICATE_KEY and chunk[index][1] is None
        ]
        earlier = users.created_by_import(self.db, self.import_id, refused)
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
            issued_here = [pair for index, pair in issued.items() if index not in failed]
            invitations.queue_messages(self.db, issued_here, hold_for=self.source)

    def _new_student(self, row: dict, now: datetime) -> tuple[dict, SingleUseToken | None]:
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
        token = invitations.new_invitation(now)
        student["invitation"] = token.record
        return student, token

    def _changes(self, row: dict, now: datetime) -> dict:
        return {
            **{name: row[name] for name in STUDENT_FIELDS},
            "updated_at": now,
            "roster_import": {"id": self.import_id, "row": row["row"]},
        }

    @staticmethod
    def _write_error(row: dict, code: int) -> dict:
        if code == DUPLICATE_KEY:
            message = "Another account took this roll number, email or mobile number while the import ran."
        else:
            message = "The student was moved or deleted while the import ran."
        return {
            "row": row["row"],
            "column": HUMAN_NAMES["roll_number"],
            "value": row["roll_number"],
            "message": message,
        }


def options_from(settings: Any) -> ImportOptions:
    """ImportOptions from config.Settings
    (ROSTER_MAX_BYTES, ROSTER_MAX_ROWS, ROSTER_CHUNK_ROWS, ROSTER_DEFAULT_REGION).
    """
    return ImportOptions(
        limits=RosterLimits(max_file_bytes=settings.roster_max_bytes, max_rows=settings.roster_max_rows),
        chunk_rows=settings.roster_chunk_rows,
        default_region=settings.roster_default_region,
    )
