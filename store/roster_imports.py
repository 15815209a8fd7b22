"""The `roster_imports` and `roster_import_errors` collections: one record per roster upload.

An import record names the batch, the original file in S3 (`imports/<batch_id>/<import_id>/<name>`),
the options, the job that runs it and, once it finished, its counts. Its state is the job's state.
Row errors live one document each in `roster_import_errors` (a 50,000-row file can have 50,000 of
them), keyed by import and a sequence number so pages and the CSV come out in row order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING

from store.common import Page, page_of, to_object_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "roster_imports"
ERRORS_COLLECTION = "roster_import_errors"
ERROR_FIELDS = ("row", "column", "value", "message")
_ERROR_PROJECTION = {"_id": 0, **dict.fromkeys(ERROR_FIELDS, 1)}
_ERRORS_PER_INSERT = 5_000


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("batch_id", ASCENDING), ("created_at", DESCENDING)], name="batch_recent")
    db[ERRORS_COLLECTION].create_index([("import_id", ASCENDING), ("seq", ASCENDING)], name="import_seq", unique=True)


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


def record_counts(db: Database, import_id: ObjectId, counts: dict[str, Any]) -> None:
    now = utcnow()
    db[COLLECTION].update_one({"_id": import_id}, {"$set": {"counts": counts, "updated_at": now, "finished_at": now}})


def replace_errors(db: Database, import_id: ObjectId, errors: Iterable[dict[str, Any]]) -> int:
    """Store the import's row errors, dropping any an earlier delivery stored. Returns how many."""
    db[ERRORS_COLLECTION].delete_many({"import_id": import_id})
    return append_errors(db, import_id, errors, first_seq=0)


def append_errors(db: Database, import_id: ObjectId, errors: Iterable[dict[str, Any]], first_seq: int) -> int:
    stored = 0
    batch: list[dict] = []
    for seq, error in enumerate(errors, start=first_seq):
        batch.append({"import_id": import_id, "seq": seq, **{name: error.get(name) for name in ERROR_FIELDS}})
        if len(batch) >= _ERRORS_PER_INSERT:
            stored += _insert(db, batch)
            batch = []
    return stored + _insert(db, batch)


def _insert(db: Database, batch: list[dict]) -> int:
    if batch:
        db[ERRORS_COLLECTION].insert_many(batch, ordered=False)
    return len(batch)


def error_page(db: Database, import_id: ObjectId, page: int, per_page: int) -> Page:
    """Row errors in row order."""
    return page_of(
        db[ERRORS_COLLECTION],
        {"import_id": import_id},
        [("seq", ASCENDING)],
        page,
        per_page,
        projection=_ERROR_PROJECTION,
    )


def iter_errors(db: Database, import_id: ObjectId) -> Iterator[dict]:
    return db[ERRORS_COLLECTION].find({"import_id": import_id}, _ERROR_PROJECTION).sort("seq", ASCENDING)
