"""File-level roster problems, each with a stable snake_case code the API and job can store and show."""

from __future__ import annotations

from workers.errors import WorkError

# Every code read_roster / validate_roster can raise, listed once so docs and tests refer to them.
FILE_ERROR_CODES: dict[str, str] = {
    "file_too_large": "The file is larger than the configured limit.",
    "empty_file": "The file (or every sheet of the workbook) is empty.",
    "unsupported_file_type": "The content is neither CSV text nor an .xlsx workbook (e.g. a PDF, an image, .xls).",
    "undecodable_text": "The text is not valid UTF-8, UTF-16 or Windows-1252.",
    "malformed_csv": "The CSV cannot be split into fields (e.g. an unterminated quote, a huge field).",
    "no_header": "No row near the top of the file has recognisable column labels.",
    "duplicate_columns": "Two header labels map to the same column (e.g. 'Mobile' and 'Phone').",
    "missing_columns": "Required columns are absent from the header; details name them.",
    "header_only": "The header is present but there are no data rows.",
    "too_many_rows": "More data rows than the configured limit.",
    "zip_bomb": "The workbook's zip has too many members, too much uncompressed data or a suspicious ratio.",
    "encrypted_workbook": "The workbook is password-protected (an OLE/CFB container).",
    "macro_workbook": "The workbook contains macros (.xlsm / vbaProject.bin).",
    "unsafe_workbook": "The workbook's XML uses entity declarations (XML bomb) or similar.",
    "corrupt_workbook": "The workbook is a zip but cannot be read as a spreadsheet.",
    "sheet_not_found": "The requested sheet does not exist; details list the sheets.",
    "too_many_columns": "A cell lies beyond the last column a roster or item file may use (details name it).",
    "merged_cells_too_large": "Too many merged ranges, or one wider or longer than the sheet may be.",
}


class RosterFileError(WorkError):
    """The whole file is refused; nothing from it may be written."""
