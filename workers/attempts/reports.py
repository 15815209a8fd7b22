"""A test's report: one row per assigned student, attempted or not, as CSV or XLSX in S3.

Columns: roll_number, name, email, batch, state, overall, one per subscore, started_at,
finished_at. Anonymised reports replace roll number, name and email with `pseudonym`, an
HMAC of the student's id under a key from the environment: the same key gives the same
pseudonym in every export, and without the key nobody can turn it back into a student.
Every text cell that could run as a formula in a spreadsheet is neutralised.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from domain.csvsafe import neutralise_cell, to_csv
from store import attempts, batches, files
from store import tests as test_store
from store.common import as_utc
from workers.assessment import load_config
from workers.errors import WorkError

if TYPE_CHECKING:
    from collections.abc import Callable

    from pymongo.database import Database

PEOPLE_COLUMNS = ("roll_number", "name", "email")
CONTENT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def pseudonym(student_id: str, key: bytes) -> str:
    return hmac.new(key, student_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def report_columns(*, anonymised: bool) -> list[str]:
    subscores = list(load_config().subscores)
    people = ["pseudonym"] if anonymised else list(PEOPLE_COLUMNS)
    return [*people, "batch", "state", "overall", *subscores, "started_at", "finished_at"]


def report_rows(db: Database, test: dict[str, Any], *, anonymised: bool, key: bytes) -> list[dict[str, Any]]:
    latest = attempts.latest_per_student(db, str(test["_id"]))
    batch_names = batches.names_by_id(db, test.get("batch_ids") or [])
    rows = []
    for student in sorted(
        test_store.assigned_students(db, test), key=lambda s: (s.get("roll_number") or "", str(s["_id"]))
    ):
        attempt = latest.get(str(student["_id"]))
        result = (attempt or {}).get("result") or {}
        row: dict[str, Any] = {
            "batch": batch_names.get(student.get("batch_id") or "", ""),
            "state": _state(attempt),
            "overall": result.get("overall"),
            **(result.get("subscores") or {}),
            "started_at": _iso((attempt or {}).get("started_at")),
            "finished_at": _iso((attempt or {}).get("finished_at")),
        }
        if anonymised:
            row["pseudonym"] = pseudonym(str(student["_id"]), key)
        else:
            row.update({name: student.get(name) for name in PEOPLE_COLUMNS})
        rows.append(row)
    return rows


def _state(attempt: dict[str, Any] | None) -> str:
    if attempt is None:
        return "not_started"
    if attempt["state"] == attempts.IN_PROGRESS:
        return "in_progress"
    return attempt.get("result_state") or "scoring"


def _iso(value: Any) -> str | None:
    moment = as_utc(value)
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def to_xlsx(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Results")
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(column)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return value if isinstance(value, int | float) or value is None else neutralise_cell(value)


def write_report(
    db: Database,
    test_id: str,
    report_id: str,
    *,
    file_format: str,
    anonymised: bool,
    key: bytes,
    progress: Callable[[int, int], object] | None = None,
) -> dict[str, Any]:
    test = test_store.get(db, test_id)
    if test is None:
        raise WorkError("not_found", "The test no longer exists.")
    columns = report_columns(anonymised=anonymised)
    rows = report_rows(db, test, anonymised=anonymised, key=key)
    data = to_csv(columns, rows) if file_format == "csv" else to_xlsx(columns, rows)
    object_key = f"reports/{test_id}/{report_id}.{file_format}"
    files.put_bytes(object_key, data, CONTENT_TYPES[file_format])
    if progress:
        progress(1, 1)
    return {
        "key": object_key,
        "format": file_format,
        "anonymised": anonymised,
        "rows": len(rows),
        "size": len(data),
        "content_type": CONTENT_TYPES[file_format],
    }
