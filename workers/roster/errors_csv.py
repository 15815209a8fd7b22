"""The downloadable list of row errors, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

ERROR_COLUMNS = ("row", "column", "value", "message")
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> str:
    """Prefix a quote so spreadsheets show the text instead of running it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def errors_to_csv(errors: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM (so Excel picks the encoding), CRLF line ends, one error per line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(ERROR_COLUMNS)
    for error in errors:
        writer.writerow([neutralise_cell(error.get(key)) for key in ERROR_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")
