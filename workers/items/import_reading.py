"""Read an item import file into a table: the roster's safe CSV/XLSX reading, the item columns.

The bytes are read by workers/roster's readers (type by content; CSV encodings, delimiters and
binary junk; XLSX zip bombs, encryption, macros, XML entity bombs through defusedxml, formulas
and dates; the row limit). Their public entry points also map a roster header, so this module
takes the row streams from the lower-level pieces and maps the item header itself. Some of those
pieces are module-private there (`csv_reader._records`, `xlsx_reader._open_checked_zip` ...):
a public "rows of this file" function in workers/roster would let this module drop them.

File-level problems raise ItemFileError with the roster's codes (workers/roster/errors.py
FILE_ERROR_CODES): the job fails with that code, its message and, where it applies, the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

import openpyxl

from workers.errors import WorkError
from workers.roster.csv_reader import _records as csv_records
from workers.roster.csv_reader import decode_text, detect_delimiter
from workers.roster.errors import RosterFileError
from workers.roster.headers import HEADER_SEARCH_ROWS, header_labels, normalise_label
from workers.roster.limits import MEGABYTE, RosterLimits
from workers.roster.sniff import detect_kind
from workers.roster.table import is_empty_row, non_empty_rows
from workers.roster.xlsx_reader import (
    _candidate_sheets,
    _guard_parse_errors,
    _load_workbook,
    _open_checked_zip,
    _sheet_rows,
)

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Iterable, Iterator

    from openpyxl.workbook.workbook import Workbook

    from workers.roster.parsed import SourceRow

# The columns an item file may have (item fields, then every type's content fields).
ITEM_COLUMNS = ("type", "level", "module", "time_limit_seconds")
REQUIRED_COLUMNS = ("type", "level")
_ROSTER_WORDS = re.compile(r"\broster(s?)\b")


class ItemFileError(WorkError):
    """The whole file is refused; nothing from it is written."""


@dataclass
class ItemTable:
    """The header (labels as written) and the data rows, with the file's row numbers."""

    kind: str  # "csv" or "xlsx"
    header_row: int
    header: list[str]
    columns: dict[str, int]  # canonical column -> index into the header and the row cells
    rows: list[SourceRow] = field(default_factory=list)
    sheet: str | None = None

    def label(self, column: str) -> str:
        """The column as labelled in the file; its canonical name when the file has no such column."""
        return self.header[self.columns[column]] if column in self.columns else column


def read_item_file(
    data: bytes, filename: str, *, known_columns: Iterable[str], sheet: str | None, limits: RosterLimits
) -> ItemTable:
    """Parse an item import upload; the type comes from the bytes, `filename` is only used in messages."""
    columns = {normalise_label(name): name for name in chain(ITEM_COLUMNS, known_columns)}
    try:
        return _read(data, filename, columns, sheet, limits)
    except RosterFileError as error:
        # The roster readers word their messages for a roster ("upload a .csv or .xlsx roster").
        message = _ROSTER_WORDS.sub(lambda match: "item file" + match.group(1), error.message)
        raise ItemFileError(error.code, message, error.details) from None


def _read(data: bytes, filename: str, columns: dict[str, str], sheet: str | None, limits: RosterLimits) -> ItemTable:
    if len(data) > limits.max_file_bytes:
        raise RosterFileError(
            "file_too_large",
            f"The file is larger than {limits.max_file_bytes // MEGABYTE} MB.",
            {"bytes": len(data), "max_file_bytes": limits.max_file_bytes},
        )
    if not data:
        raise RosterFileError("empty_file", f"The file {filename!r} is empty.")
    if detect_kind(data) == "xlsx":
        return _read_xlsx(data, columns, sheet, limits)
    return _read_csv(data, columns, limits)


def _read_csv(data: bytes, columns: dict[str, str], limits: RosterLimits) -> ItemTable:
    text, _encoding = decode_text(data)
    if not text.strip(" \t\r\n\u200b\ufeff"):
        raise RosterFileError("empty_file", "The file has no content.")
    return _table(csv_records(text, detect_delimiter(text)), columns, limits, kind="csv")


def _read_xlsx(data: bytes, columns: dict[str, str], sheet: str | None, limits: RosterLimits) -> ItemTable:
    if not openpyxl.DEFUSEDXML:  # openpyxl parses unguarded XML without it (OPENPYXL_DEFUSEDXML=False)
        raise RuntimeError("defusedxml must be installed and enabled before item workbooks are read")
    archive = _open_checked_zip(data, limits)
    try:
        workbook = _load_workbook(data)
        try:
            return _guard_parse_errors(lambda: _first_sheet_with_rows(workbook, archive, data, columns, sheet, limits))
        finally:
            workbook.close()
    finally:
        archive.close()


def _first_sheet_with_rows(
    workbook: Workbook,
    archive: zipfile.ZipFile,
    data: bytes,
    columns: dict[str, str],
    sheet: str | None,
    limits: RosterLimits,
) -> ItemTable:
    for worksheet in _candidate_sheets(workbook, sheet):
        rows = _sheet_rows(worksheet, archive, data, limits)
        first = next((row for row in rows if not is_empty_row(row.cells)), None)
        if first is not None:
            return _table(chain([first], rows), columns, limits, kind="xlsx", sheet=worksheet.title)
    if sheet is not None:
        raise RosterFileError("empty_file", f"The sheet '{sheet}' is empty.", {"sheet": sheet})
    raise RosterFileError("empty_file", "Every sheet of the workbook is empty.")


def _table(
    rows: Iterable[SourceRow], columns: dict[str, str], limits: RosterLimits, *, kind: str, sheet: str | None = None
) -> ItemTable:
    """Find the header, map it, keep the data rows; stops as soon as the file passes the row limit."""
    remaining = non_empty_rows(rows)
    header = _find_header(remaining, columns)
    labels = header_labels(header.cells)
    table = ItemTable(kind, header.number, labels, _map_columns(labels, columns, header.number), sheet=sheet)
    missing = [name for name in REQUIRED_COLUMNS if name not in table.columns]
    if missing:
        raise RosterFileError(
            "missing_columns",
            f"The header has no {' or '.join(missing)} column.",
            {"missing": missing, "found": sorted(table.columns), "row": header.number},
        )
    for row in remaining:
        if len(table.rows) >= limits.max_rows:
            raise RosterFileError(
                "too_many_rows", f"The file has more than {limits.max_rows} data rows.", {"max_rows": limits.max_rows}
            )
        table.rows.append(row)
    if not table.rows:
        raise RosterFileError("header_only", "The file has a header but no data rows.", {"header_row": header.number})
    return table


def _find_header(rows: Iterator[SourceRow], columns: dict[str, str]) -> SourceRow:
    """The first row (of the first few) with a `type` label: rows above it are titles or notes."""
    seen = 0
    for row in rows:
        if any(isinstance(cell, str) and columns.get(normalise_label(cell)) == "type" for cell in row.cells):
            return row
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if seen == 0:
        raise RosterFileError("empty_file", "The file has no content.")
    raise RosterFileError(
        "no_header",
        "No header row found: expected a row of column labels with a 'type' column (type, level, text ...).",
        {"rows_searched": seen},
    )


def _map_columns(labels: list[str], columns: dict[str, str], header_row: int) -> dict[str, int]:
    """Canonical column -> index; labels that name no column are ignored, two naming one are refused."""
    mapped: dict[str, int] = {}
    for index, label in enumerate(labels):
        name = columns.get(normalise_label(label))
        if name is None:
            continue
        if name in mapped:
            raise RosterFileError(
                "duplicate_columns",
                f"Both '{labels[mapped[name]]}' and '{label}' are the {name} column.",
                {"column": name, "labels": [labels[mapped[name]], label], "row": header_row},
            )
        mapped[name] = index
    return mapped
