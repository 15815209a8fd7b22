"""Decide what an upload really is from its bytes, never from its name."""

from __future__ import annotations

from workers.roster.errors import RosterFileError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Directory entry names inside a CFB container are UTF-16LE; Office puts encrypted packages here.
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")

_OTHER_FORMATS = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "rar"),
    (b"\x7fELF", "elf"),
    (b"MZ", "windows executable"),
    (b"PK\x05\x06", "empty zip"),
    (b"{\\rtf", "rtf"),
)


def detect_kind(data: bytes) -> str:
    """'xlsx' for a zip, 'csv' for anything that may be text; raises for known non-roster formats."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        _refuse_ole(data)
    for magic, name in _OTHER_FORMATS:
        if data.startswith(magic):
            raise RosterFileError(
                "unsupported_file_type",
                f"This looks like a {name} file; upload a .csv or .xlsx file.",
                {"detected": name},
            )
    return "csv"


def _refuse_ole(data: bytes) -> None:
    if _ENCRYPTION_STREAM in data:
        raise RosterFileError(
            "encrypted_workbook",
            "The workbook is password-protected; remove the password and upload it again.",
        )
    raise RosterFileError(
        "unsupported_file_type",
        "This is a legacy Excel (.xls) or other Office file; save it as .xlsx or .csv.",
        {"detected": "ole"},
    )
