"""CSV: encoding and delimiter detection, then rows with their record numbers."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from typing import TYPE_CHECKING, TypeVar

from workers.roster.errors import RosterFileError
from workers.roster.parsed import FileInfo, SourceRow

if TYPE_CHECKING:
    from collections.abc import Iterator

    from workers.roster.parsed import TableBuilder

_T = TypeVar("_T")

DELIMITERS = (",", ";", "\t")
_SAMPLE_CHARS = 64 * 1024
_SAMPLE_RECORDS = 50
_CONTROL_CHARS = frozenset(chr(code) for code in range(32) if chr(code) not in "\t\n\r\f") | {"\x7f"}
# Real text has almost no control characters; binary junk has ~10 %.
_MAX_CONTROL_SHARE = 0.01
# Whitespace people paste into cells beyond what str.strip() already handles.
_EXTRA_BLANKS = "\u200b\ufeff"
# Two UTF-16 code units: fewer bytes cannot show the NUL in every other byte.
_MIN_UTF16_SAMPLE_BYTES = 4


def read_csv(data: bytes, build: TableBuilder[_T]) -> _T:
    """The text's rows (decoded, delimiter found) handed to `build` with the file's details."""
    text, encoding = decode_text(data)
    if not text.strip(" \t\r\n" + _EXTRA_BLANKS):
        raise RosterFileError("empty_file", "The file has no content.")
    delimiter = detect_delimiter(text)
    return build(_records(text, delimiter), FileInfo("csv", encoding=encoding, delimiter=delimiter))


def decode_text(data: bytes) -> tuple[str, str]:
    encoding = _encoding_from_bom(data) or _utf16_without_bom(data)
    if encoding is None:
        _refuse_binary(data[:_SAMPLE_CHARS].decode("latin-1"))
        encoding = "utf-8" if _decodes(data, "utf-8") else "cp1252"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise RosterFileError(
            "undecodable_text",
            "The text could not be decoded; save the file as CSV UTF-8.",
            {"encoding": encoding, "byte_offset": error.start},
        ) from None
    _refuse_binary(text[:_SAMPLE_CHARS])
    return text.removeprefix("\ufeff"), encoding


def _encoding_from_bom(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and picks the byte order
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """ASCII-range text saved as UTF-16 without a BOM has a NUL in every other byte."""
    sample = data[:2048]
    if len(sample) < _MIN_UTF16_SAMPLE_BYTES or len(sample) % 2:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) == half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == half and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_binary(sample: str) -> None:
    controls = sum(1 for char in sample if char in _CONTROL_CHARS)
    if "\x00" in sample or controls > len(sample) * _MAX_CONTROL_SHARE:
        raise RosterFileError(
            "unsupported_file_type",
            "The file contains binary data, not CSV text; upload a .csv or .xlsx file.",
            {"detected": "binary"},
        )


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most consistent number (>1) of fields."""
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS:
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        score = _consistency(sample, delimiter)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _consistency(sample: str, delimiter: str) -> tuple[int, int]:
    widths: Counter[int] = Counter()
    try:
        for index, record in enumerate(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)):
            if index >= _SAMPLE_RECORDS:
                break
            if any(cell.strip() for cell in record):
                widths[len(record)] += 1
    except csv.Error:
        return (0, 0)
    if not widths:
        return (0, 0)
    width, count = widths.most_common(1)[0]
    return (count, width) if width > 1 else (0, 0)


def _records(text: str, delimiter: str) -> Iterator[SourceRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            number += 1
            yield SourceRow(number, [cell.strip().strip(_EXTRA_BLANKS) for cell in record])
    except csv.Error as error:
        raise RosterFileError(
            "malformed_csv",
            f"The CSV could not be read near row {number + 1}: {error}.",
            {"row": number + 1},
        ) from None
