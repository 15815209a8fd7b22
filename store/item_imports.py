"""The `item_imports` and `item_import_errors` collections: one record per item bank upload.

An import record names the campus the items go to (None: the shared bank), the original file in
S3 (`item-imports/<import_id>/<name>`), the options, the job that runs it and, once it finished,
its counts. Its state is the job's state. Row errors live one document each in
`item_import_errors`, keyed by import and a sequence number so pages and the CSV come out in row
order (the same shapes as the roster import's, store/roster_imports.py).

Items an import creates carry `created_by_import` (the import's id, as text) and `import_row`
(the file's row number): `store.items.created_by_import` finds what an earlier delivery of the
same import already wrote, and a unique index on the pair (store/items.py) refuses a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING

from store.common import Records, utcnow
from store.import_records import ImportRecords

if TYPE_CHECKING:
    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "item_imports"
ERRORS_COLLECTION = "item_import_errors"
# Its counts and row errors, kept as every import keeps them (store/import_records.py).
outcome = ImportRecords(COLLECTION, ERRORS_COLLECTION)
records = Records(COLLECTION)


def ensure_indexes(db: Database) -> None:
    db[COLLECTION].create_index([("campus_id", ASCENDING), ("created_at", DESCENDING)], name="campus_recent")
    outcome.ensure_error_indexes(db)


@dataclass(frozen=True)
class NewImport:
    import_id: ObjectId
    job_id: ObjectId
    campus_id: str | None  # None: the shared bank
    owner_id: str
    file_key: str
    filename: str
    size: int
    dry_run: bool
    sheet: str | None = None


def file_key(import_id: str, safe_filename: str) -> str:
    return f"item-imports/{import_id}/{safe_filename}"


def create(db: Database, new: NewImport) -> dict:
    now = utcnow()
    doc = {
        "_id": new.import_id,
        "job_id": new.job_id,
        "campus_id": new.campus_id,
        "owner_id": new.owner_id,
        "file": {"key": new.file_key, "filename": new.filename, "size": new.size},
        "dry_run": new.dry_run,
        "sheet": new.sheet,
        "counts": None,
        "created_at": now,
        "updated_at": now,
        "finished_at": None,
    }
    db[COLLECTION].insert_one(doc)
    return doc


def get(db: Database, import_id: str | ObjectId, within: dict[str, Any] | None = None) -> dict | None:
    """The import record, if it exists and matches `within` (a caller's scope)."""
    return records.get(db, import_id, within)
