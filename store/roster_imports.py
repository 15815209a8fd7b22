"""The `roster_imports` and `roster_import_errors` collections: one record per roster upload.

An import record names the batch, the original file in S3 (`imports/<batch_id>/<import_id>/<name>`),
the options, the job that runs it and, once it finished, its counts. Its state is the job's state.
Row errors live one document each in `roster_import_errors` (a 50,000-row file can have 50,000 of
them), keyed by import and a sequence number so pages and the CSV come out in row order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pymongo import ASCENDING, DESCENDING

from store.common import Page, page_of, to_object_id, utcnow
from store.import_records import ImportRecords

if TYPE_CHECKING:
    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "roster_imports"
ERRORS_COLLECTION = "roster_import_errors"
# Its counts and row errors, kept as every import keeps them (store/import_records.py).
outcome = ImportRecords(COLLECTION, ERRORS_COLLECTION)


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("batch_id", ASCENDING), ("created_at", DESCENDING)], name="batch_recent")
    outcome.ensure_error_indexes(db)


@dataclass(frozen=True)
class NewImport:
    import_id: ObjectId
    job_id: ObjectId
    batch_id: str
    campus_id: str
    owner_id: str
    course_ids: list[str]  # the batch's courses the importing admin may place students in
    file_key: str
    filename: str
    size: int
    dry_run: bool
    send_invitations: bool
    sheet: str | None = None


def file_key(batch_id: str, import_id: str, safe_filename: str) -> str:
    return f"imports/{batch_id}/{import_id}/{safe_filename}"


def create(db: Database, new: NewImport) -> dict:
    now = utcnow()
    doc = {
        "_id": new.import_id,
        "job_id": new.job_id,
        "batch_id": new.batch_id,
        "campus_id": new.campus_id,
        "owner_id": new.owner_id,
        "course_ids": new.course_ids,
        "file": {"key": new.file_key, "filename": new.filename, "size": new.size},
        "dry_run": new.dry_run,
        "send_invitations": new.send_invitations,
        "sheet": new.sheet,
        "counts": None,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
    }
    db[COLLECTION].insert_one(doc)
    return doc


def get(db: Database, import_id: str | ObjectId) -> dict | None:
    oid = to_object_id(import_id)
    return None if oid is None else db[COLLECTION].find_one({"_id": oid})


def list_for_batch(db: Database, batch_id: str, page: int, per_page: int) -> Page:
    """The batch's imports, newest first."""
    return page_of(
        db[COLLECTION], {"batch_id": batch_id}, [("created_at", DESCENDING), ("_id", DESCENDING)], page, per_page
    )
