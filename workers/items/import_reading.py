"""Read an item import file into a table: the one table reader, the item columns.

The bytes are read by `workers.roster.reader.read_table`, the reader every import uses (type by
content; CSV encodings, delimiters and binary junk; XLSX zip bombs, encryption, macros, XML entity
bombs through defusedxml, formulas and dates; the row limit); this module passes it the builder
that finds an item file's header (a row with a `type` label) and maps its columns.

File-level problems raise ItemFileError with the roster's codes (workers/roster/errors.py
FILE_ERROR_CODES): the job fails with that code, its message and, where it applies, the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING

from workers.errors import WorkError
from workers.roster.errors import RosterFileError
from workers.roster.headers import header_labels, normalise_label
from workers.roster.reader import read_table
from workers.roster.table import data_rows, find_header, non_empty_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

    from workers.roster.limits import RosterLimits
    from workers.roster.parsed import FileInfo, SourceRow

# The columns an item file may have (item fields, then every type's content fields).
ITEM_COLUMNS = ("type", "level", "module", "time_limit_seconds")
REQUIRED_COLUMNS = ("type", "level")


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
        return read_table(data, filename, partial(_table, columns=columns, limits=limits), sheet=sheet, limits=limits)
    except RosterFileError as error:
        raise ItemFileError(error.code, error.message, error.details) from None


def _table(rows: Iterable[SourceRow], info: FileInfo, *, columns: dict[str, str], limits: RosterLimits) -> ItemTable:
    """Find the header (a row with a `type` label), map it, keep the data rows."""
    remaining = non_empty_rows(rows)
    header = find_header(
        remaining,
        lambda row: any(isinstance(cell, str) and columns.get(normalise_label(cell)) == "type" for cell in row.cells),
        "a row of column labels with a 'type' column (type, level, text ...)",
    )
    labels = header_labels(header.cells)
    table = ItemTable(info.kind, header.number, labels, _map_columns(labels, columns, header.number), sheet=info.sheet)
    missing = [name for name in REQUIRED_COLUMNS if name not in table.columns]
    if missing:
        raise RosterFileError(
            "missing_columns",
            f"The header has no {' or '.join(missing)} column.",
            {"missing": missing, "found": sorted(table.columns), "row": header.number},
        )
    table.rows = data_rows(remaining, limits, header.number)
    return table


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
