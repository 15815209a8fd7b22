"""Turn a stream of raw rows (from CSV or a sheet) into a ParsedFile: find the header, keep data rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.roster.errors import RosterFileError
from workers.roster.headers import (
    ALWAYS_REQUIRED,
    HEADER_SEARCH_ROWS,
    header_labels,
    looks_like_header,
    map_columns,
    require_columns,
)
from workers.roster.parsed import Cell, ParsedFile, SourceRow, UnusableCell

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from .limits import RosterLimits
    from .parsed import FileInfo


def is_empty_row(cells: list[Cell]) -> bool:
    # A formula with no saved value shows as "": rows of copied-down template formulas count as empty.
    return not any(cell.shown if isinstance(cell, UnusableCell) else cell for cell in cells)


def non_empty_rows(rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
    return (row for row in rows if not is_empty_row(row.cells))


def build_parsed_file(rows: Iterable[SourceRow], info: FileInfo, limits: RosterLimits) -> ParsedFile:
    """Consumes rows lazily so an oversized file stops as soon as it passes the row limit."""
    remaining = non_empty_rows(rows)
    header = _find_header(remaining)
    labels = header_labels(header.cells)
    columns = map_columns(labels)
    require_columns(columns, ALWAYS_REQUIRED)
    parsed = ParsedFile(
        kind=info.kind,
        header_row=header.number,
        header=labels,
        columns=columns,
        encoding=info.encoding,
        delimiter=info.delimiter,
        sheet=info.sheet,
    )
    for row in remaining:
        if len(parsed.rows) >= limits.max_rows:
            raise RosterFileError(
                "too_many_rows",
                f"The file has more than {limits.max_rows} data rows.",
                {"max_rows": limits.max_rows},
            )
        parsed.rows.append(row)
    if not parsed.rows:
        raise RosterFileError("header_only", "The file has a header but no data rows.", {"header_row": header.number})
    return parsed


def _find_header(rows: Iterator[SourceRow]) -> SourceRow:
    seen = 0
    for row in rows:
        if looks_like_header(row.cells):
            return row
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if seen == 0:
        raise RosterFileError("empty_file", "The file has no content.")
    raise RosterFileError(
        "no_header",
        "No header row found: expected labels such as Student Name, Roll Number, Email, Mobile.",
        {"rows_searched": seen},
    )
