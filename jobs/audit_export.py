"""The audit trail as CSV in S3 (the `audit_export` job): every record matching the filter,
newest first. Written through a temporary file, so a long trail never sits in memory; cells
that could run as formulas in a spreadsheet are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from typing import TYPE_CHECKING, Any

from domain.csvsafe import neutralise_cell
from store import audit, files
from store.common import as_utc

if TYPE_CHECKING:
    from collections.abc import Callable

    from pymongo.database import Database

COLUMNS = (
    "at",
    "action",
    "actor_id",
    "actor_role",
    "target_type",
    "target_id",
    "source",
    "request_id",
    "job_id",
    "details",
    "before",
    "after",
)
PROGRESS_EVERY = 1000
SPOOL_BYTES = 8 * 1024 * 1024  # in memory up to this size, then on disk


def export_audit(
    db: Database, query: dict[str, Any], export_id: str, progress: Callable[[int, int], object] | None = None
) -> dict[str, Any]:
    total = audit.count(db, query)
    key = f"exports/audit/{export_id}.csv"
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        rows = 0
        for record in audit.iter_matching(db, query):
            writer.writerow([neutralise_cell(value) for value in _cells(record)])
            rows += 1
            if progress and rows % PROGRESS_EVERY == 0:
                progress(rows, total)
        text.flush()
        size = spool.tell()
        spool.seek(0)
        files.put_stream(key, spool, "text/csv")
        text.detach()
    if progress:
        progress(rows, max(total, rows))
    return {"key": key, "format": "csv", "rows": rows, "size": size, "content_type": "text/csv"}


def _cells(record: dict[str, Any]) -> list[Any]:
    moment = as_utc(record.get("at"))
    values = {
        **record,
        "at": moment.isoformat().replace("+00:00", "Z") if moment else None,
        **{name: _json(record.get(name)) for name in ("details", "before", "after")},
    }
    return [values.get(column) for column in COLUMNS]


def _json(value: Any) -> str:
    return json.dumps(value or {}, sort_keys=True, default=str)
