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
    from collections.abc import Callable, Iterable, Iterator

    from .limits import RosterLimits
    from .parsed import FileInfo


def is_empty_row(cells: list[Cell]) -> bool:
    # A formula with no saved value shows as "": rows of copied-down template formulas count as empty.
    return not any(cell.shown if isinstance(cell, UnusableCell) else cell for cell in cells)


def non_empty_rows(rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
    return (row for row in rows if not is_empty_row(row.cells))


def build_parsed_file(rows: Iterable[SourceRow], info: FileInfo, limits: RosterLimits) -> ParsedFile:
    """A roster's table: its header found by the roster's labels, then its data rows."""
    remaining = non_empty_rows(rows)
    header = find_header(
        remaining, lambda row: looks_like_header(row.cells), "labels such as Student Name, Roll Number, Email, Mobile"
    )
    labels = header_labels(header.cells)
    columns = map_columns(labels)
    require_columns(columns, ALWAYS_REQUIRED)
    return ParsedFile(
        kind=info.kind,
        header_row=header.number,
        header=labels,
        columns=columns,
        rows=data_rows(remaining, limits, header.number),
        encoding=info.encoding,
        delimiter=info.delimiter,
        sheet=info.sheet,
    )


def find_header(rows: Iterator[SourceRow], is_header: Callable[[SourceRow], bool], expected: str) -> SourceRow:
    """The first of the first HEADER_SEARCH_ROWS non-empty rows that `is_header` (the rows above it
    are titles or notes); `expected` says what a header of this kind of file looks like.
    """
    seen = 0
    for row in rows:
        if is_header(row):
            return row
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    if seen == 0:
        raise RosterFileError("empty_file", "The file has no content.")
    raise RosterFileError("no_header", f"No header row found: expected {expected}.", {"rows_searched": seen})


def data_rows(remaining: Iterable[SourceRow], limits: RosterLimits, header_row: int) -> list[SourceRow]:
    """The rows after the header, read lazily so an oversized file stops as soon as it passes the
    row limit; a header with no rows under it is refused.
    """
    rows: list[SourceRow] = []
    for row in remaining:
        if len(rows) >= limits.max_rows:
            raise RosterFileError(
                "too_many_rows", f"The file has more than {limits.max_rows} data rows.", {"max_rows": limits.max_rows}
            )
        rows.append(row)
    if not rows:
        raise RosterFileError("header_only", "The file has a header but no data rows.", {"header_row": header_row})
    return rows
