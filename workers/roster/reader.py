"""Entry point for reading an uploaded roster: size check, content sniffing, then the CSV or XLSX reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.roster.csv_reader import read_csv
from workers.roster.errors import RosterFileError
from workers.roster.limits import DEFAULT_LIMITS, RosterLimits
from workers.roster.sniff import detect_kind
from workers.roster.xlsx_reader import read_xlsx

if TYPE_CHECKING:
    from .parsed import ParsedFile


def read_roster(
    data: bytes, filename: str, *, sheet: str | None = None, limits: RosterLimits = DEFAULT_LIMITS
) -> ParsedFile:
    """Parse a roster upload; the type comes from the bytes, `filename` is only used in messages.

    Raises RosterFileError for any file-level problem (see errors.FILE_ERROR_CODES).
    """
    if len(data) > limits.max_file_bytes:
        raise RosterFileError(
            "file_too_large",
            f"The file is larger than {limits.max_file_bytes // (1024 * 1024)} MB.",
            {"bytes": len(data), "max_file_bytes": limits.max_file_bytes},
        )
    if not data:
        raise RosterFileError("empty_file", f"The file {filename!r} is empty.")
    if detect_kind(data) == "xlsx":
        return read_xlsx(data, limits, sheet)
    return read_csv(data, limits)
