"""Reading an uploaded table file (a roster, an item file): size check, content sniffing, then the
CSV or XLSX reader, which hands the file's rows to a builder that finds its header and keeps its
rows. Every file problem is a RosterFileError with one of errors.FILE_ERROR_CODES.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, TypeVar

from workers.roster.csv_reader import read_csv
from workers.roster.errors import RosterFileError
from workers.roster.limits import DEFAULT_LIMITS, MEGABYTE, RosterLimits
from workers.roster.sniff import detect_kind
from workers.roster.table import build_parsed_file
from workers.roster.xlsx_reader import read_xlsx

if TYPE_CHECKING:
    from workers.roster.parsed import ParsedFile, TableBuilder

_T = TypeVar("_T")


def read_table(
    data: bytes, filename: str, build: TableBuilder[_T], *, sheet: str | None = None, limits: RosterLimits
) -> _T:
    """The file's rows through `build`; the type comes from the bytes, `filename` is only used in
    messages. CSV: encoding and delimiter found; XLSX: the sheet asked for, or the first visible
    sheet with any rows, read within `limits` (zip bombs, macros, encryption, unsafe XML refused).
    """
    if len(data) > limits.max_file_bytes:
        raise RosterFileError(
            "file_too_large",
            f"The file is larger than {limits.max_file_bytes // MEGABYTE} MB.",
            {"bytes": len(data), "max_file_bytes": limits.max_file_bytes},
        )
    if not data:
        raise RosterFileError("empty_file", f"The file {filename!r} is empty.")
    if detect_kind(data) == "xlsx":
        return read_xlsx(data, limits, sheet, build)
    return read_csv(data, build)


def read_roster(
    data: bytes, filename: str, *, sheet: str | None = None, limits: RosterLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Parse a roster upload (its header found by the roster's column labels)."""
    return read_table(data, filename, partial(build_parsed_file, limits=limits), sheet=sheet, limits=limits)
