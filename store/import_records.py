"""What every file import keeps besides its own record: the counts once it finished, and its row
errors, one document each in `<kind>_import_errors` (a 50,000-row file can have 50,000 of them),
keyed by import and a sequence number so pages and the CSV come out in row order.

Each import kind's module (store/roster_imports.py, store/item_imports.py) owns its two collections
and makes one `ImportRecords` for them; a third kind of import is one more line, not a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING

from store.common import Page, page_of, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from bson import ObjectId
    from pymongo.database import Database

ERROR_FIELDS = ("row", "column", "value", "message")
_ERROR_PROJECTION = {"_id": 0, **dict.fromkeys(ERROR_FIELDS, 1)}
_ERRORS_PER_INSERT = 5_000


@dataclass(frozen=True)
class ImportRecords:
    collection: str  # the import records
    errors_collection: str  # their row errors

    def ensure_error_indexes(self, db: Database) -> None:
        db[self.errors_collection].create_index(
            [("import_id", ASCENDING), ("seq", ASCENDING)], name="import_seq", unique=True
        )

    def record_counts(self, db: Database, import_id: ObjectId, counts: dict[str, Any]) -> None:
        now = utcnow()
        db[self.collection].update_one(
            {"_id": import_id}, {"$set": {"counts": counts, "updated_at": now, "finished_at": now}}
        )

    def replace_errors(self, db: Database, import_id: ObjectId, errors: Iterable[dict[str, Any]]) -> int:
        """Store the import's row errors, dropping any an earlier delivery stored. Returns how many."""
        db[self.errors_collection].delete_many({"import_id": import_id})
        return self.append_errors(db, import_id, errors, first_seq=0)

    def append_errors(self, db: Database, import_id: ObjectId, errors: Iterable[dict[str, Any]], first_seq: int) -> int:
        stored = 0
        batch: list[dict] = []
        for seq, error in enumerate(errors, start=first_seq):
            batch.append({"import_id": import_id, "seq": seq, **{name: error.get(name) for name in ERROR_FIELDS}})
            if len(batch) >= _ERRORS_PER_INSERT:
                stored += self._insert(db, batch)
                batch = []
        return stored + self._insert(db, batch)

    def _insert(self, db: Database, batch: list[dict]) -> int:
        if batch:
            db[self.errors_collection].insert_many(batch, ordered=False)
        return len(batch)

    def error_page(self, db: Database, import_id: ObjectId, page: int, per_page: int) -> Page:
        """Row errors in row order."""
        return page_of(
            db[self.errors_collection],
            {"import_id": import_id},
            [("seq", ASCENDING)],
            page,
            per_page,
            projection=_ERROR_PROJECTION,
        )

    def iter_errors(self, db: Database, import_id: ObjectId) -> Iterator[dict]:
        return db[self.errors_collection].find({"import_id": import_id}, _ERROR_PROJECTION).sort("seq", ASCENDING)
