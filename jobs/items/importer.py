"""Run one item import: read the file from S3, check every row, then create the items in chunks.

No Flask, no Celery: `run_item_import(db, import_id, options, progress, request_audio)` is called
by the job task (tasks/item_imports.py) and can be called from a script.

Exactly once, even when a delivery is killed or the job's message is delivered again:
- every item this import creates carries `created_by_import` (the import's id) and `import_row`
  (its row in the file); one read of those markers at the start finds the rows an earlier
  delivery created, and they are counted as created, not written again;
- a unique index on the two markers (store/item_imports.py) refuses a second item for a row
  even from a delivery running at the same time; the refusal counts the row as created;
- items that need prompt audio are created with it pending, and `request_audio` is handed every
  item of this import whose audio is still pending (new ones after each chunk, earlier ones at
  the start), so a delivery that died between creating items and asking for their audio is made
  good; the task submits those jobs under a key per item, so asking twice makes one job.
Row errors are replaced on every delivery; the counts come from the markers, not from history.
A dry run checks every row and stores the row errors and counts, and creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo.errors import DuplicateKeyError

from domain.assessment import needs_prompt_audio
from store import campuses, files, item_imports, items
from workers.errors import WorkError
from workers.items.import_reading import read_item_file
from workers.items.import_rows import all_content_columns, validate_rows
from workers.roster.limits import RosterLimits

if TYPE_CHECKING:
    from pymongo.database import Database

    from workers.items.import_rows import ItemRow


@dataclass(frozen=True)
class AudioRequest:
    """An item whose prompt audio is pending: render it (a prompt_audio job) for this revision."""

    item_id: str
    rev: int
    campus_id: str | None


Progress = Callable[[int, int], None]
RequestAudio = Callable[[list[AudioRequest]], None]
PENDING_AUDIO: dict[str, Any] = {"state": "pending", "rev": 1}


@dataclass(frozen=True)
class ImportOptions:
    limits: RosterLimits
    chunk_rows: int = 500


def options_from(settings: Any) -> ImportOptions:
    """ImportOptions from config.Settings: the roster import's limits (ROSTER_MAX_BYTES, ROSTER_MAX_ROWS,
    ROSTER_CHUNK_ROWS).
    """
    return ImportOptions(
        limits=RosterLimits(max_file_bytes=settings.roster_max_bytes, max_rows=settings.roster_max_rows),
        chunk_rows=settings.roster_chunk_rows,
    )


def run_item_import(
    db: Database,
    import_id: str,
    options: ImportOptions,
    progress: Progress,
    request_audio: RequestAudio | None = None,
) -> dict[str, Any]:
    """Check (dry run) or import the items of one import record; returns the job result."""
    record = item_imports.get(db, import_id)
    if record is None:
        raise WorkError("not_found", "The import record no longer exists.")
    campus_id = record["campus_id"]
    if campus_id is not None and campuses.records.get(db, campus_id) is None:
        raise WorkError("campus_not_found", "The campus was deleted before the import ran.", {"campus_id": campus_id})
    return _Importer(db, record, options, progress, request_audio or _no_audio).run()


def _no_audio(_requests: list[AudioRequest]) -> None:
    """Without a way to ask for audio (a script), items keep their audio pending."""


class _Importer:
    def __init__(
        self, db: Database, record: dict, options: ImportOptions, progress: Progress, request_audio: RequestAudio
    ) -> None:
        self.db = db
        self.record = record
        self.options = options
        self.progress = progress
        self.request_audio = request_audio
        self.import_id = str(record["_id"])
        self.campus_id: str | None = record["campus_id"]

    def run(self) -> dict[str, Any]:
        stored = self.record["file"]
        table = read_item_file(
            files.read_all(stored["key"]),
            stored["filename"],
            known_columns=all_content_columns(),
            sheet=self.record.get("sheet"),
            limits=self.options.limits,
        )
        report = validate_rows(table)
        error_count = item_imports.outcome.replace_errors(self.db, self.record["_id"], report.errors)
        total = len(report.valid)
        if self.record["dry_run"]:
            self.progress(total, total)
            created = total
        else:
            created = self._create(report.valid)
        counts = {"rows": report.rows, "created": created, "failed": report.failed, "errors": error_count}
        item_imports.outcome.record_counts(self.db, self.record["_id"], counts)
        return {
            "import_id": self.import_id,
            **counts,
            "dry_run": self.record["dry_run"],
            "errors_url": f"/api/v1/item-imports/{self.import_id}/errors",
        }

    def _create(self, rows: list[ItemRow]) -> int:
        """Create the items of rows no earlier delivery created, a chunk at a time; how many rows are created."""
        earlier = items.created_by_import(self.db, self.import_id)
        to_create = [row for row in rows if row.row not in earlier]
        created = len(rows) - len(to_create)
        self.progress(created, len(rows))  # stops here when a cancel came in while checking the rows
        self.request_audio([request for doc in earlier.values() if (request := self._pending_audio(doc))])
        size = max(1, self.options.chunk_rows)
        for start in range(0, len(to_create), size):
            chunk = to_create[start : start + size]
            docs = [self._create_item(row) for row in chunk]
            self.request_audio([request for doc in docs if (request := self._pending_audio(doc))])
            created += len(chunk)
            self.progress(created, len(rows))
        return created

    def _create_item(self, row: ItemRow) -> dict:
        fields = {
            **row.fields,
            "campus_id": self.campus_id,
            items.IMPORT_MARKER: self.import_id,
            items.ROW_MARKER: row.row,
        }
        audio = PENDING_AUDIO if needs_prompt_audio(fields["type"], fields["content"]) else items.NO_AUDIO
        try:
            return items.create(self.db, fields, created_by=self.record["owner_id"], audio=dict(audio))
        except DuplicateKeyError:
            # Another delivery of this import created the row's item meanwhile: it counts as created.
            doc = items.created_for_row(self.db, self.import_id, row.row)
            if doc is None:
                raise
            return doc

    @staticmethod
    def _pending_audio(doc: dict) -> AudioRequest | None:
        audio = doc.get("prompt_audio") or {}
        if audio.get("state") != "pending":
            return None
        return AudioRequest(str(doc["_id"]), int(audio.get("rev") or 1), doc.get("campus_id"))
