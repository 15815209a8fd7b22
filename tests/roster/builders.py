"""Real roster files built in memory: CSV in any encoding, XLSX via openpyxl, and hostile variants."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from typing import TYPE_CHECKING

import openpyxl

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

HEADER = ["Student Name", "Roll No.", "E-mail", "Mobile Number"]


def student(index: int) -> list[str]:
    return [f"Student {index}", f"r{index:05d}", f"student{index}@example.com", f"98765{index:05d}"]


def students(count: int, start: int = 1) -> list[list[str]]:
    return [student(index) for index in range(start, start + count)]


def csv_bytes(
    rows: Sequence[Sequence[str]], *, encoding: str = "utf-8", delimiter: str = ",", newline: str = "\r\n"
) -> bytes:
    """Minimal CSV writer (quotes only when needed) so tests control the exact bytes."""
    lines = [delimiter.join(_quote(cell, delimiter) for cell in row) for row in rows]
    return (newline.join(lines) + newline).encode(encoding)


def _quote(cell: str, delimiter: str) -> str:
    if any(char in cell for char in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def roster_csv(count: int = 3, **options) -> bytes:
    return csv_bytes([HEADER, *students(count)], **options)


def xlsx_bytes(
    rows: Sequence[Sequence[object]] = (),
    *,
    title: str = "Sheet1",
    build: Callable[[openpyxl.Workbook], None] | None = None,
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if build:
        build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_zip(
    data: bytes, *, replace: dict[str, Callable[[bytes], bytes]] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, replace[name](content) if name in replace else content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def cfb_container(stream_names: Sequence[str]) -> bytes:
    """A small Compound File Binary container (the format Office uses for encrypted workbooks and .xls).

    Header, one FAT sector and one directory sector holding a root entry and the named (empty) streams.
    """
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # minor, major, byte order, sector shifts
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<II", header, 60, 0xFFFFFFFE, 0)  # no mini FAT
    struct.pack_into("<II", header, 68, 0xFFFFFFFE, 0)  # no DIFAT sectors
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0]: FAT is sector 0
    header[80:sector] = b"\xff" * (sector - 80)
    fat = bytearray(b"\xff" * sector)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)  # sector 0: FAT, sector 1: end of directory chain
    directory = b"".join(_cfb_entry(name, kind) for name, kind in [("Root Entry", 5), *[(n, 2) for n in stream_names]])
    directory = directory.ljust(sector, b"\x00")
    return bytes(header) + bytes(fat) + directory


def _cfb_entry(name: str, kind: int) -> bytes:
    entry = bytearray(128)
    encoded = (name + "\x00").encode("utf-16-le")
    entry[0 : len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    struct.pack_into("<I", entry, 116, 0xFFFFFFFE)
    return bytes(entry)


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def junk_bytes(size: int = 4096, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)
