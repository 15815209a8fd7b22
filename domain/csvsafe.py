"""CSV files people open in a spreadsheet: cells that could run as formulas are neutralised."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ROW_ERROR_COLUMNS = ("row", "column", "value", "message")


def neutralise_cell(value: Any) -> str:
    """Prefix a quote so spreadsheets show the text instead of running it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM (so Excel picks the encoding), CRLF line ends, a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(row.get(key)) for key in columns])
    return buffer.getvalue().encode("utf-8-sig")


def row_errors_to_csv(errors: Iterable[dict[str, Any]]) -> bytes:
    """The downloadable list of an import's row errors: row, column, value, message."""
    return to_csv(ROW_ERROR_COLUMNS, errors)
