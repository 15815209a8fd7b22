"""XLSX: zip safety checks before openpyxl sees the file, then one sheet streamed in read-only mode."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from workers.roster.errors import RosterFileError
from workers.roster.parsed import Cell, FileInfo, SourceRow, UnusableCell
from workers.roster.table import is_empty_row

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from workers.roster.parsed import TableBuilder

    from .limits import RosterLimits

_T = TypeVar("_T")

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGED_RANGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"')
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Za-z]{1,3})[0-9]+"')
_MACRO_MARKERS = (b"macroenabled", b"vbaproject")
_DATE_PROBLEM = "A date or time where text is expected; format the column as text."
_NO_SAVED_VALUE = "A formula with no saved value; paste the column as values."
_FORMULA_ERROR = "A formula error instead of a value."


def read_xlsx(data: bytes, limits: RosterLimits, sheet: str | None, build: TableBuilder[_T]) -> _T:
    """The rows of the sheet asked for (or the first visible sheet with any) handed to `build`."""
    if not openpyxl.DEFUSEDXML:  # openpyxl parses unguarded XML without it (OPENPYXL_DEFUSEDXML=False)
        raise RuntimeError("defusedxml must be installed and enabled before workbooks are read")
    archive = _open_checked_zip(data, limits)
    workbook = _load_workbook(data)
    try:
        return _guard_parse_errors(lambda: _read_workbook(workbook, archive, data, limits, sheet, build))
    finally:
        workbook.close()
        archive.close()


def _open_checked_zip(data: bytes, limits: RosterLimits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise RosterFileError("corrupt_workbook", f"The workbook cannot be opened: {error}.") from None
    _check_zip_bomb(members, limits)
    names = {member.filename for member in members}
    if any(member.flag_bits & 0x1 for member in members):
        raise RosterFileError("encrypted_workbook", "The workbook's zip is password-protected.")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise RosterFileError(
            "unsupported_file_type",
            "This zip is not an Excel .xlsx workbook; upload a .csv or .xlsx file.",
            {"detected": "zip"},
        )
    content_types = archive.read("[Content_Types].xml").lower()
    if any(name.lower().endswith("vbaproject.bin") for name in names) or any(
        marker in content_types for marker in _MACRO_MARKERS
    ):
        raise RosterFileError("macro_workbook", "Macro-enabled workbooks are refused; save it as a plain .xlsx.")
    return archive


def _check_zip_bomb(members: list[zipfile.ZipInfo], limits: RosterLimits) -> None:
    if len(members) > limits.max_zip_members:
        raise RosterFileError("zip_bomb", "The workbook has too many parts.", {"members": len(members)})
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise RosterFileError(
            "zip_bomb",
            "The workbook expands to more data than allowed.",
            {"uncompressed_bytes": total, "max_uncompressed_bytes": limits.max_uncompressed_bytes},
        )
    for member in members:
        if member.file_size < limits.ratio_check_min_bytes:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise RosterFileError(
                "zip_bomb",
                "A part of the workbook is compressed suspiciously well.",
                {"member": member.filename, "ratio": round(ratio)},
            )


def _load_workbook(data: bytes) -> Workbook:
    return _guard_parse_errors(
        lambda: openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    )


def _guard_parse_errors(action: Callable[[], _T]) -> _T:
    try:
        return action()
    except RosterFileError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl surfaces damaged parts as many unrelated exception types
        if _caused_by_unsafe_xml(error):
            raise RosterFileError(
                "unsafe_workbook", "The workbook contains unsafe XML (entity declarations)."
            ) from None
        raise RosterFileError(
            "corrupt_workbook", "The workbook is damaged and cannot be read.", {"reason": type(error).__name__}
        ) from None


def _caused_by_unsafe_xml(error: BaseException | None) -> bool:
    """Openpyxl wraps parser errors in ValueError; defusedxml's refusal sits in the chain."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _read_workbook(
    workbook: Workbook,
    archive: zipfile.ZipFile,
    data: bytes,
    limits: RosterLimits,
    sheet: str | None,
    build: TableBuilder[_T],
) -> _T:
    for worksheet in _candidate_sheets(workbook, sheet):
        rows = _sheet_rows(worksheet, archive, data, limits)
        first = next((row for row in rows if not is_empty_row(row.cells)), None)
        if first is not None:
            return build(chain([first], rows), FileInfo("xlsx", sheet=worksheet.title))
    if sheet is not None:
        raise RosterFileError("empty_file", f"The sheet '{sheet}' is empty.", {"sheet": sheet})
    raise RosterFileError("empty_file", "Every sheet of the workbook is empty.")


def _candidate_sheets(workbook: Workbook, sheet: str | None) -> list[ReadOnlyWorksheet]:
    if sheet is None:
        return [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
    wanted = sheet.strip().casefold()
    for worksheet in workbook.worksheets:
        if worksheet.title == sheet or worksheet.title.strip().casefold() == wanted:
            return [worksheet]
    raise RosterFileError(
        "sheet_not_found",
        f"The workbook has no sheet named '{sheet}'.",
        {"sheet": sheet, "sheets": [ws.title for ws in workbook.worksheets]},
    )


def _sheet_rows(
    worksheet: ReadOnlyWorksheet, archive: zipfile.ZipFile, data: bytes, limits: RosterLimits
) -> Iterator[SourceRow]:
    sheet_xml = _sheet_xml(worksheet, archive)
    _check_extent(sheet_xml, limits)
    merges = _VerticalMerges(sheet_xml, limits)
    formulas = _formula_cells(worksheet, data) if _FORMULA_TAG.search(sheet_xml) else set()
    worksheet.reset_dimensions()  # declared dimensions are often wrong and would truncate the rows
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = [_cell(value, is_formula=(number, column) in formulas) for column, value in enumerate(values, start=1)]
        merges.apply(number, cells)
        yield SourceRow(number, cells)


def _check_extent(sheet_xml: bytes, limits: RosterLimits) -> None:
    """Refuse, before reading a row, a sheet whose cells or merges reach far beyond what a roster or
    item file needs: reading them costs memory in proportion to the area, not to the file's size.
    """
    widest = max((_column_index(letters) for letters in set(_CELL_COLUMN.findall(sheet_xml))), default=0)
    if widest > limits.max_columns:
        raise RosterFileError(
            "too_many_columns",
            f"The sheet has cells in column {get_column_letter(widest)}; a file may use columns A to "
            f"{get_column_letter(limits.max_columns)}. Delete the columns beyond your data and upload it again.",
            {"column": get_column_letter(widest), "max_columns": limits.max_columns},
        )
    merged = _MERGED_RANGE.findall(sheet_xml)
    if len(merged) > limits.max_merged_ranges:
        raise RosterFileError(
            "merged_cells_too_large",
            f"The sheet has {len(merged)} merged ranges; unmerge them.",
            {"merged_ranges": len(merged), "max_merged_ranges": limits.max_merged_ranges},
        )
    last_row = limits.max_rows + 1_000
    covered = 0  # rows filled from merges, summed over the ranges: what _VerticalMerges will hold
    for reference in merged:
        _, min_row, max_col, max_row = range_boundaries(reference.decode("ascii"))
        covered += max_row - min_row
        if max_col > limits.max_columns or max_row - min_row > last_row or covered > 2 * last_row:
            raise RosterFileError(
                "merged_cells_too_large",
                f"The merged range {reference.decode('ascii')} is larger than the sheet may be; unmerge it.",
                {"range": reference.decode("ascii")},
            )


def _column_index(letters: bytes) -> int:
    index: int = column_index_from_string(letters.decode("ascii").upper())
    return index


def _sheet_xml(worksheet: ReadOnlyWorksheet, archive: zipfile.ZipFile) -> bytes:
    path = getattr(worksheet, "_worksheet_path", None)  # openpyxl keeps the part name privately
    if path is None or path not in archive.namelist():
        return b""
    return archive.read(path)  # size already bounded by the zip checks


def _formula_cells(worksheet: ReadOnlyWorksheet, data: bytes) -> set[tuple[int, int]]:
    """Cells holding formulas, found by a second pass that reads formulas instead of saved values."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    try:
        formulas_sheet = workbook[worksheet.title]
        formulas_sheet.reset_dimensions()
        return {
            (number, column)
            for number, values in enumerate(formulas_sheet.iter_rows(values_only=True), start=1)
            for column, value in enumerate(values, start=1)
            if isinstance(value, (ArrayFormula, DataTableFormula)) or (isinstance(value, str) and value.startswith("="))
        }
    finally:
        workbook.close()


class _VerticalMerges:
    """Fills cells covered by a merge spanning rows (e.g. one course cell for a block of students).

    Only the merge's first column is filled: a horizontal merge usually means one value, not several.
    """

    def __init__(self, sheet_xml: bytes, limits: RosterLimits) -> None:
        last_row = limits.max_rows + 1_000
        self.fills: dict[int, list[tuple[int, tuple[int, int]]]] = {}
        self.anchor_values: dict[tuple[int, int], Cell] = {}
        for match in _MERGED_RANGE.finditer(sheet_xml):
            min_col, min_row, _, max_row = range_boundaries(match.group(1).decode("ascii"))
            anchor = (min_row, min_col)
            self.anchor_values[anchor] = ""
            for row in range(min_row + 1, min(max_row, last_row) + 1):
                self.fills.setdefault(row, []).append((min_col, anchor))

    def apply(self, number: int, cells: list[Cell]) -> None:
        if not self.anchor_values:
            return
        for column, cell in enumerate(cells, start=1):
            if (number, column) in self.anchor_values:
                self.anchor_values[(number, column)] = cell
        for column, anchor in self.fills.get(number, ()):
            cells.extend([""] * (column - len(cells)))
            if not cells[column - 1]:
                cells[column - 1] = self.anchor_values[anchor]


def _cell(value: Any, *, is_formula: bool) -> Cell:
    if value is None:
        return UnusableCell("", _NO_SAVED_VALUE) if is_formula else ""
    if isinstance(value, str):
        text = value.strip()
        return UnusableCell(text, _FORMULA_ERROR) if text in ERROR_CODES else text
    return _non_text_cell(value)


def _non_text_cell(value: Any) -> Cell:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date, time)):
        return UnusableCell(value.isoformat(), _DATE_PROBLEM)
    if isinstance(value, timedelta):
        return UnusableCell(str(value), _DATE_PROBLEM)
    return str(value).strip()
