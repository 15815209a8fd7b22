"""What the file readers hand to validation: a header and data rows with their file row numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class UnusableCell:
    """A spreadsheet cell whose value cannot stand for text (a date, a formula with no saved value)."""

    shown: str
    problem: str


Cell = str | UnusableCell


class SourceRow(NamedTuple):
    number: int  # 1-based row number as the user sees it in Excel (header included)
    cells: list[Cell]


@dataclass(frozen=True)
class FileInfo:
    """What a reader learnt about a file besides its rows."""

    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


# What turns a file's rows into a table: finds the header its kind of file has, maps the columns
# and keeps the data rows (a roster: table.build_parsed_file; an item file: workers/items).
TableBuilder: TypeAlias = Callable[[Iterable[SourceRow], FileInfo], _T]


@dataclass
class ParsedFile:
    kind: str  # "csv" or "xlsx"
    header_row: int
    header: list[str]  # labels exactly as written (trailing empty labels dropped)
    columns: dict[str, int]  # canonical column -> index into header / row cells
    rows: list[SourceRow] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def label(self, canonical: str) -> str:
        return self.header[self.columns[canonical]]
