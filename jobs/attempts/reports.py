"""A test's report: one row per student the requester may see, as CSV or XLSX in S3.

The rows are those of the results page for the same person (domain.access scopes the attempts
and the students): each student of the requester's scope with an attempt at the test (their
latest), and each assigned student of that scope who has not started. What a row shows follows
domain.results, the one rule: the figures once scored, the person only in a named report.

Columns: roll_number, name, email, batch, state, overall, one per subscore, started_at,
finished_at. Anonymised reports replace roll number, name and email with `pseudonym`, an HMAC of
the student's id under a key from the environment (the same key gives the same pseudonym in every
export, and without the key nobody can turn it back into a student), are ordered by pseudonym and
give times to the day, so neither the order nor a start time points back at a roll number or a
sitting someone watched. Every text cell that could run as a formula in a spreadsheet is
neutralised.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from domain.access import scope_query
from domain.csvsafe import neutralise_cell, to_csv
from domain.results import pseudonym, result_view
from store import attempts, batches, files, papers, users
from store.common import as_utc
from workers.attempt_scoring import load_config
from workers.errors import WorkError

if TYPE_CHECKING:
    from collections.abc import Callable

    from pymongo.database import Database

PEOPLE_COLUMNS = ("roll_number", "name", "email")
CONTENT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def report_columns(*, anonymised: bool) -> list[str]:
    subscores = list(load_config().subscores)
    people = ["pseudonym"] if anonymised else list(PEOPLE_COLUMNS)
    return [*people, "batch", "state", "overall", *subscores, "started_at", "finished_at"]


def report_rows(
    db: Database, test: dict[str, Any], requester: dict[str, Any], *, anonymised: bool, key: bytes
) -> list[dict[str, Any]]:
    """The report's rows as `requester` may see them."""
    people = _students_in_view(db, test, requester)
    latest = attempts.latest_per_student(db, str(test["_id"]), scope_query(requester, "attempts"))
    people.update(users.names_and_rolls(db, [sid for sid in latest if sid not in people]))
    batch_names = batches.names_by_id(
        db, sorted({str(p.get("batch_id")) for p in people.values() if p.get("batch_id")})
    )
    rows = []
    for student_id, student in people.items():
        attempt = latest.get(student_id)
        rows.append(_row(student_id, student, attempt, requester, batch_names, anonymised=anonymised, key=key))
    order = "pseudonym" if anonymised else "roll_number"
    return sorted(rows, key=lambda row: (row.get(order) or "", row["_student"]))


def _students_in_view(db: Database, test: dict[str, Any], requester: dict[str, Any]) -> dict[str, dict]:
    """Assigned students the requester may see, by id."""
    within = scope_query(requester, "students")
    return {str(student["_id"]): student for student in papers.assigned_students(db, test, within)}


def _row(
    student_id: str,
    student: dict[str, Any],
    attempt: dict[str, Any] | None,
    requester: dict[str, Any],
    batch_names: dict[str, str],
    *,
    anonymised: bool,
    key: bytes,
) -> dict[str, Any]:
    view = result_view(requester, attempt) if attempt else None
    result = ((attempt or {}).get("result") or {}) if view and view.figures else {}
    when = _day if anonymised else _iso
    row: dict[str, Any] = {
        "_student": student_id,
        "batch": batch_names.get(student.get("batch_id") or "", ""),
        "state": _state(attempt),
        "overall": result.get("overall"),
        **(result.get("subscores") or {}),
        "started_at": when((attempt or {}).get("started_at")),
        "finished_at": when((attempt or {}).get("finished_at")),
    }
    if anonymised:
        row["pseudonym"] = pseudonym(student_id, key)
    else:
        row.update({name: student.get(name) for name in PEOPLE_COLUMNS})
    return row


def _day(value: Any) -> str | None:
    """A time to the day only: an anonymised row's start must not point at a sitting someone watched."""
    moment = as_utc(value)
    return moment.date().isoformat() if moment else None


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
    requester_id: str,
    file_format: str,
    anonymised: bool,
    key: bytes,
    progress: Callable[[int, int], object] | None = None,
) -> dict[str, Any]:
    test = papers.get(db, test_id)
    if test is None:
        raise WorkError("not_found", "The test no longer exists.")
    requester = users.get(db, requester_id)
    if requester is None or requester.get("active") is False:
        raise WorkError("requester_gone", "The account that asked for this report no longer exists or is inactive.")
    columns = report_columns(anonymised=anonymised)
    rows = report_rows(db, test, requester, anonymised=anonymised, key=key)
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
