"""Validate parsed roster rows: per-row schema checks, then duplicates inside the file and against existing students."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from schemas import roster_row
from workers.roster.headers import HUMAN_NAMES, require_columns
from workers.roster.parsed import ParsedFile, SourceRow, UnusableCell

UNIQUE_FIELDS = ("roll_number", "email", "mobile")
# A value another account holds, outside what this import may change: that a unique value is taken
# cannot be hidden, but nothing is said of whose it is (staff or student, which campus or batch),
# since the importing admin may not be allowed to see that account.
CANNOT_BE_USED = "This {what} cannot be used."
ROW_FIELDS = ("name", "roll_number", "email", "mobile", "course")


@dataclass(frozen=True)
class ExistingStudent:
    """A student already stored who holds one of the looked-up values."""

    roll_number: str
    email: str | None = None
    mobile: str | None = None
    # False when the roll number belongs to a student this import may not update (e.g. another batch).
    can_update: bool = True


# Called once with every well-formed roll number, email (lower case) and mobile (E.164) of the file.
ExistingLookup = Callable[[set[str], set[str], set[str]], Iterable[ExistingStudent]]
# (row number, the values that loaded, whether the whole row loaded)
LoadedRow = tuple[int, dict[str, Any], bool]


@dataclass
class RosterReport:
    rows: int  # data rows in the file (empty rows not counted)
    valid_rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.rows - len(self.valid_rows)

    @property
    def existing(self) -> int:
        return sum(1 for row in self.valid_rows if row["existing"])


def validate_roster(
    parsed: ParsedFile,
    *,
    courses: Mapping[str, str] | None = None,
    course_required: bool | None = None,
    default_region: str = "IN",
    existing: ExistingLookup | None = None,
) -> RosterReport:
    """Check every row; valid rows come back as
    {"row", "name", "roll_number", "email", "mobile", "course_id", "existing"}.

    `courses` maps the batch's course names to ids; the course column is required when the batch has several
    (override with `course_required`). Raises RosterFileError("missing_columns") if it is required but absent.
    """
    courses = courses or {}
    if course_required is None:
        course_required = len(courses) > 1
    if course_required:
        require_columns(parsed.columns, ["course"])
    schema = roster_row.RosterRowSchema(courses=courses, course_required=course_required, default_region=default_region)
    checker = _RowChecker(parsed, schema)
    loaded = [checker.check(row) for row in parsed.rows]
    _report_duplicates(parsed, loaded, checker.errors)
    owners = _report_existing(parsed, loaded, checker.errors, existing)
    failed_rows = {error["row"] for error in checker.errors}
    report = RosterReport(rows=len(parsed.rows), errors=sorted(checker.errors, key=checker.error_order))
    for row_number, values, complete in loaded:
        if complete and row_number not in failed_rows:
            report.valid_rows.append({"row": row_number, **values, "existing": values["roll_number"] in owners})
    return report


class _RowChecker:
    def __init__(self, parsed: ParsedFile, schema: roster_row.RosterRowSchema) -> None:
        self.parsed = parsed
        self.schema = schema
        self.errors: list[dict[str, Any]] = []
        self.width = len(parsed.header)
        self.present = [(name, parsed.columns[name]) for name in ROW_FIELDS if name in parsed.columns]
        self.column_position = {parsed.label(name): index for name, index in self.present}

    def error_order(self, error: dict[str, Any]) -> tuple[int, int]:
        return error["row"], self.column_position.get(error["column"], -1)

    def add_error(self, row: int, column: str | None, value: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "value": value, "message": message})

    def check(self, row: SourceRow) -> LoadedRow:
        """(row number, the values that loaded, whether the whole row loaded)."""
        if self._is_ragged(row):
            return row.number, {}, False
        values, unusable = self._values(row)
        try:
            loaded = self.schema.load(values)
        except ValidationError as error:
            for name, messages in error.messages_dict.items():
                if name not in unusable:  # already reported with the cell's own problem
                    self.add_error(row.number, self._label(name), values.get(name, ""), " ".join(messages))
            valid_data = error.valid_data if isinstance(error.valid_data, dict) else {}
            return row.number, valid_data, False
        return row.number, loaded, not unusable

    def _is_ragged(self, row: SourceRow) -> bool:
        cells = row.cells
        too_few = self.parsed.kind == "csv" and len(cells) < self.width
        too_many = any(cells[self.width :])
        if too_few or too_many:
            self.add_error(
                row.number, None, "", f"The row has {len(cells)} cells but the header has {self.width} columns."
            )
        return too_few or too_many

    def _values(self, row: SourceRow) -> tuple[dict[str, str], set[str]]:
        """The row's non-empty text values by canonical name, and the names whose cells were unusable."""
        values: dict[str, str] = {}
        unusable: set[str] = set()
        for name, index in self.present:
            cell = row.cells[index] if index < len(row.cells) else ""
            if isinstance(cell, UnusableCell):
                self.add_error(row.number, self.parsed.label(name), cell.shown, cell.problem)
                unusable.add(name)
            elif cell:
                values[name] = cell
        return values, unusable

    def _label(self, name: str) -> str:
        return self.parsed.label(name) if name in self.parsed.columns else HUMAN_NAMES.get(name, name)


def _report_duplicates(parsed: ParsedFile, loaded: list[LoadedRow], errors: list[dict[str, Any]]) -> None:
    for name in UNIQUE_FIELDS:
        first_row_with: dict[str, int] = {}
        for row_number, values, _ in loaded:
            value = values.get(name)
            if value is None:
                continue
            first = first_row_with.setdefault(value, row_number)
            if first != row_number:
                errors.append(
                    {
                        "row": row_number,
                        "column": parsed.label(name),
                        "value": value,
                        "message": f"Duplicate {HUMAN_NAMES[name]}: the same as row {first}.",
                    }
                )


def _report_existing(
    parsed: ParsedFile, loaded: list[LoadedRow], errors: list[dict[str, Any]], existing: ExistingLookup | None
) -> dict[str, ExistingStudent]:
    """Report clashes with stored students; returns the updatable students by roll number."""
    if existing is None:
        return {}
    wanted = {name: {values[name] for _, values, _ in loaded if name in values} for name in UNIQUE_FIELDS}
    students = list(existing(wanted["roll_number"], wanted["email"], wanted["mobile"]))
    holders = {
        "roll_number": {student.roll_number.upper(): student for student in students},
        "email": {student.email.lower(): student for student in students if student.email},
        "mobile": {student.mobile: student for student in students if student.mobile},
    }
    for row_number, values, _ in loaded:
        for name in UNIQUE_FIELDS:
            if name not in values:
                continue
            holder = holders[name].get(values[name])
            message = _clash_message(name, holder, values.get("roll_number"))
            if message:
                errors.append(
                    {"row": row_number, "column": parsed.label(name), "value": values[name], "message": message}
                )
    return {roll_number: student for roll_number, student in holders["roll_number"].items() if student.can_update}


def _clash_message(name: str, holder: ExistingStudent | None, roll_number: str | None) -> str | None:
    if holder is None:
        return None
    if name == "roll_number":
        return None if holder.can_update else CANNOT_BE_USED.format(what="roll number")
    if holder.roll_number.upper() == roll_number:
        return None
    if not holder.can_update:  # an account the importing admin may not see: name nothing about it
        return CANNOT_BE_USED.format(what=HUMAN_NAMES[name])
    return f"This {HUMAN_NAMES[name]} already belongs to the student with roll number {holder.roll_number}."
