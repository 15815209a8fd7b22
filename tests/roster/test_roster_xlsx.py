"""XLSX rosters: sheets, cell types, formulas, merges, and hostile workbooks."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

import openpyxl.utils
import pytest

from workers.roster import RosterFileError, RosterLimits, read_roster, validate_roster

from .builders import HEADER, cfb_container, pdf_bytes, rewrite_zip, student, students, xlsx_bytes, zip_with

if TYPE_CHECKING:
    from collections.abc import Callable

SHEET = "xl/worksheets/sheet1.xml"


def file_error(data: bytes, **options) -> RosterFileError:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data, "students.xlsx", **options)
    return caught.value


def test_basic_workbook_reads_rows_with_excel_row_numbers():
    parsed = read_roster(xlsx_bytes([HEADER, *students(3)]), "students.csv")  # the name does not matter
    assert parsed.kind == "xlsx"
    assert parsed.sheet == "Sheet1"
    assert parsed.header == HEADER
    assert [row.number for row in parsed.rows] == [2, 3, 4]
    assert parsed.rows[0].cells == student(1)


def test_numbers_typed_as_numbers_become_plain_text():
    parsed = read_roster(xlsx_bytes([HEADER, ["Ravi", 21001, "ravi@example.com", 9876543210.0]]), "s.xlsx")
    assert parsed.rows[0].cells == ["Ravi", "21001", "ravi@example.com", "9876543210"]


def test_empty_rows_are_skipped_and_numbering_follows_the_sheet():
    def build(workbook):
        sheet = workbook.active
        sheet["A3"], sheet["B3"], sheet["C3"], sheet["D3"] = HEADER
        for offset, row in zip((5, 9), students(2), strict=True):
            for column, value in zip("ABCD", row, strict=True):
                sheet[f"{column}{offset}"] = value
        sheet["A7"].value = None
        sheet["A7"].number_format = "@"  # a styled but empty cell still makes an empty row

    parsed = read_roster(xlsx_bytes(build=build), "s.xlsx")
    assert parsed.header_row == 3
    assert [row.number for row in parsed.rows] == [5, 9]


def test_first_non_empty_visible_sheet_is_used():
    def build(workbook):
        hidden = workbook.create_sheet("Lookup")
        hidden.append(HEADER)
        hidden.append(student(99))
        hidden.sheet_state = "hidden"
        workbook.move_sheet("Lookup", offset=-1)
        workbook.create_sheet("Roster").append(HEADER)
        workbook["Roster"].append(student(1))

    parsed = read_roster(xlsx_bytes(build=build, title="Blank"), "s.xlsx")
    assert parsed.sheet == "Roster"
    assert parsed.rows[0].cells[0] == "Student 1"


def test_named_sheet_is_matched_case_insensitively():
    def build(workbook):
        workbook.create_sheet("CSE Batch").append(HEADER)
        workbook["CSE Batch"].append(student(7))

    data = xlsx_bytes([HEADER, student(1)], build=build)
    assert read_roster(data, "s.xlsx", sheet=" cse batch ").rows[0].cells[0] == "Student 7"
    error = file_error(data, sheet="ECE")
    assert error.code == "sheet_not_found"
    assert error.details["sheets"] == ["Sheet1", "CSE Batch"]


def test_empty_workbook_and_header_only_sheet():
    assert file_error(xlsx_bytes()).code == "empty_file"
    assert file_error(xlsx_bytes([HEADER])).code == "header_only"
    assert file_error(xlsx_bytes([["Fee", "Due"], [1, 2]])).code == "no_header"


def test_dates_where_text_is_expected_are_row_errors():
    excel_date = datetime(2024, 3, 1)  # noqa: DTZ001 - Excel cells hold naive dates
    rows = [HEADER, ["Ravi", excel_date, "ravi@example.com", "9876500001"], student(2)]
    report = validate_roster(read_roster(xlsx_bytes(rows), "s.xlsx"))
    assert [row["row"] for row in report.valid_rows] == [3]
    assert report.errors == [
        {
            "row": 2,
            "column": "Roll No.",
            "value": "2024-03-01T00:00:00",
            "message": "A date or time where text is expected; format the column as text.",
        }
    ]


def test_a_date_in_an_ignored_column_is_harmless():
    rows = [[*HEADER, "Date of Birth"], [*student(1), date(2005, 1, 2)]]
    assert len(validate_roster(read_roster(xlsx_bytes(rows), "s.xlsx")).valid_rows) == 1


def test_formulas_use_saved_values_and_unsaved_ones_are_reported():
    rows = [
        HEADER,
        ['=UPPER("ravi")', "R001", "r1@example.com", "9876500001"],
        ["Asha", '=CONCAT("R","002")', "r2@example.com", "9876500002"],
    ]

    def save_value_for_a2(xml: bytes) -> bytes:  # what Excel writes: the formula and its last result
        return re.sub(rb'<c r="A2"><f>(.*?)</f><v ?/>', rb'<c r="A2" t="str"><f>\1</f><v>RAVI</v>', xml)

    data = rewrite_zip(xlsx_bytes(rows), replace={SHEET: save_value_for_a2})
    report = validate_roster(read_roster(data, "s.xlsx"))
    assert [(row["row"], row["name"]) for row in report.valid_rows] == [(2, "RAVI")]
    assert report.errors[0]["row"] == 3
    assert report.errors[0]["column"] == "Roll No."
    assert "formula with no saved value" in report.errors[0]["message"]


def test_rows_of_copied_down_formulas_without_values_count_as_empty():
    rows = [HEADER, student(1), *[[f"=TRIM(F{n})", None, None, None] for n in range(3, 8)]]
    report = validate_roster(read_roster(xlsx_bytes(rows), "s.xlsx"))
    assert report.rows == 1
    assert report.errors == []


def test_formula_error_cells_are_reported():
    rows = [HEADER, ["#N/A", "R1", "r1@example.com", "9876500001"]]
    report = validate_roster(read_roster(xlsx_bytes(rows), "s.xlsx"))
    assert report.errors[0]["value"] == "#N/A"
    assert report.errors[0]["message"] == "A formula error instead of a value."


def test_merged_cells_fill_down_and_merged_titles_are_skipped():
    def build(workbook):
        sheet = workbook.active
        sheet["A1"] = "ABC College roster"
        sheet.merge_cells("A1:E1")
        for column, label in zip("ABCDE", [*HEADER, "Course"], strict=True):
            sheet[f"{column}2"] = label
        for offset, row in zip(range(3, 6), students(3), strict=True):
            for column, value in zip("ABCD", row, strict=True):
                sheet[f"{column}{offset}"] = value
        sheet["E3"] = "BTech CSE"
        sheet.merge_cells("E3:E5")  # one course cell for the block

    parsed = read_roster(xlsx_bytes(build=build), "s.xlsx")
    assert parsed.header_row == 2
    report = validate_roster(parsed, courses={"BTech CSE": "c1", "BTech ECE": "c2"})
    assert report.errors == []
    assert [row["course_id"] for row in report.valid_rows] == ["c1", "c1", "c1"]


def test_a_wrong_declared_dimension_does_not_truncate_rows():
    data = rewrite_zip(
        xlsx_bytes([HEADER, *students(5)]),
        replace={SHEET: lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A2"', xml)},
    )
    assert len(read_roster(data, "s.xlsx").rows) == 5


def test_too_many_rows_in_a_sheet():
    assert file_error(xlsx_bytes([HEADER, *students(6)]), limits=RosterLimits(max_rows=5)).code == "too_many_rows"


def test_zip_bomb_by_compression_ratio():
    data = rewrite_zip(xlsx_bytes([HEADER, student(1)]), add={"xl/media/padding.bin": b"\x00" * (20 * 1024 * 1024)})
    error = file_error(data)
    assert error.code == "zip_bomb"
    assert error.details["member"] == "xl/media/padding.bin"


def test_zip_bomb_by_total_uncompressed_size():
    data = xlsx_bytes([HEADER, *students(200)])
    error = file_error(data, limits=RosterLimits(max_uncompressed_bytes=20_000))
    assert error.code == "zip_bomb"
    assert error.details["max_uncompressed_bytes"] == 20_000


def test_zip_bomb_by_member_count():
    data = rewrite_zip(xlsx_bytes([HEADER, student(1)]), add={f"xl/media/{n}.bin": b"x" for n in range(1_001)})
    assert file_error(data).code == "zip_bomb"


def test_xml_entity_bomb_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def with_entities(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return laughs + body.replace(b"<t>Student Name</t>", b"<t>&lol2;</t>")

    data = rewrite_zip(xlsx_bytes([HEADER, student(1)]), replace={SHEET: with_entities})
    assert file_error(data).code == "unsafe_workbook"


def test_encrypted_workbook_is_refused():
    error = file_error(cfb_container(["EncryptionInfo", "EncryptedPackage"]))
    assert error.code == "encrypted_workbook"


def test_legacy_xls_container_is_refused_as_unsupported():
    error = file_error(cfb_container(["Workbook", "SummaryInformation"]))
    assert error.code == "unsupported_file_type"
    assert error.details["detected"] == "ole"


def test_macro_workbooks_are_refused():
    plain = xlsx_bytes([HEADER, student(1)])
    with_vba = rewrite_zip(plain, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})
    assert file_error(with_vba).code == "macro_workbook"
    xlsm_type = rewrite_zip(
        plain,
        replace={
            "[Content_Types].xml": lambda xml: xml.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        },
    )
    assert file_error(xlsm_type).code == "macro_workbook"


def test_zip_that_is_not_a_workbook_is_unsupported():
    docx = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
    assert file_error(docx).code == "unsupported_file_type"


def test_damaged_workbooks_are_reported_as_corrupt():
    data = xlsx_bytes([HEADER, student(1)])
    assert file_error(data[: len(data) // 2]).code == "corrupt_workbook"
    broken_sheet = rewrite_zip(data, replace={SHEET: lambda xml: xml[: len(xml) // 2]})
    assert file_error(broken_sheet).code == "corrupt_workbook"


def test_pdf_with_xlsx_name_is_refused():
    assert file_error(pdf_bytes()).code == "unsupported_file_type"


def test_encrypted_zip_members_are_refused():
    data = bytearray(zip_with({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}))
    # Set the "encrypted" flag bit on every local and central directory header.
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for match in re.finditer(re.escape(signature), bytes(data)):
            data[match.start() + flag_offset] |= 0x1
    assert file_error(bytes(data)).code == "encrypted_workbook"


def test_workbook_zip_is_checked_before_openpyxl_reads_it():
    # A member that claims a huge size is refused from the central directory alone.
    data = bytearray(xlsx_bytes([HEADER, student(1)]))
    offset = bytes(data).find(b"PK\x01\x02", 0)
    while offset != -1:
        name_length = int.from_bytes(data[offset + 28 : offset + 30], "little")
        if data[offset + 46 : offset + 46 + name_length] == SHEET.encode():
            data[offset + 24 : offset + 28] = (500 * 1024 * 1024).to_bytes(4, "little")
        offset = bytes(data).find(b"PK\x01\x02", offset + 4)
    assert file_error(bytes(data)).code == "zip_bomb"


def _with_merges(references: list[str]) -> Callable[[bytes], bytes]:
    """Sheet XML with these merged ranges (written directly: openpyxl would create every merged cell)."""
    merges = b"".join(b'<mergeCell ref="%s"/>' % ref.encode() for ref in references)
    block = b'<mergeCells count="%d">%s</mergeCells>' % (len(references), merges)
    return lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + block, 1)


FULL_COLUMNS = [
    f"{openpyxl.utils.get_column_letter(c)}2:{openpyxl.utils.get_column_letter(c)}1048576" for c in range(1, 101)
]


@pytest.mark.parametrize(
    ("build", "merges", "code"),
    [
        (None, FULL_COLUMNS, "merged_cells_too_large"),
        (lambda wb: wb.active.cell(row=2, column=16384, value="far away"), [], "too_many_columns"),
        (None, ["A2:BZ3"], "merged_cells_too_large"),
        (None, [f"F{r}:F{r + 1}" for r in range(2, 6000, 2)], "merged_cells_too_large"),
    ],
    ids=["100-full-column-merges", "a-cell-in-column-XFD", "a-merge-past-the-last-column", "thousands-of-merges"],
)
def test_sheets_that_reach_far_beyond_their_data_are_refused_before_reading(build, merges, code):
    data = xlsx_bytes([HEADER, ["Ravi", "21001", "ravi@example.com", "9876543210"]], build=build)
    if merges:
        data = rewrite_zip(data, replace={SHEET: _with_merges(merges)})
    assert len(data) < 64 * 1024  # a small file: the danger is the area it claims, not its size
    error = file_error(data)
    assert error.code == code
    assert error.details


def test_a_vertical_merge_over_a_block_of_students_is_still_read():
    rows = [
        [*HEADER, "Course"],
        *[[f"S{i}", f"R{i:04d}", f"s{i}@example.com", f"98765{i:05d}", "BSc"] for i in range(1, 6)],
    ]

    def merge_course(workbook):
        workbook.active.merge_cells("E2:E6")

    parsed = read_roster(xlsx_bytes(rows, build=merge_course), "s.xlsx")
    assert [row.cells[4] for row in parsed.rows] == ["BSc"] * 5
