"""CSV rosters: encodings, delimiters, header labels and every file-level refusal."""

from __future__ import annotations

import pytest

from workers.roster import RosterFileError, RosterLimits, read_roster, validate_roster

from .builders import HEADER, csv_bytes, junk_bytes, pdf_bytes, roster_csv, students

ACCENTED = ["José Müller", "R100", "jose@example.com", "9876512345"]


def file_error(data: bytes, **options) -> RosterFileError:
    with pytest.raises(RosterFileError) as caught:
        read_roster(data, "students.csv", **options)
    return caught.value


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1252"])
def test_each_encoding_and_delimiter_reads_the_same_rows(encoding, delimiter):
    rows = [HEADER, ACCENTED, *students(2)]
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + csv_bytes(rows, encoding="utf-16-be", delimiter=delimiter)
    else:
        data = csv_bytes(rows, encoding=encoding, delimiter=delimiter)
    parsed = read_roster(data, "students.csv")
    assert parsed.kind == "csv"
    assert parsed.delimiter == delimiter
    assert parsed.header == HEADER
    assert [row.cells[0] for row in parsed.rows] == ["José Müller", "Student 1", "Student 2"]
    assert [row.number for row in parsed.rows] == [2, 3, 4]


def test_utf16_without_bom_is_recognised():
    parsed = read_roster(roster_csv(2, encoding="utf-16-le"), "students.csv")
    assert parsed.encoding == "utf-16-le"
    assert parsed.rows[0].cells[0] == "Student 1"


def test_cp1252_smart_quotes_decode():
    data = csv_bytes([HEADER, ["Ravi D’Souza", "R1", "r1@example.com", "9876500001"]], encoding="cp1252")
    parsed = read_roster(data, "students.csv")
    assert parsed.encoding == "cp1252"
    assert parsed.rows[0].cells[0] == "Ravi D’Souza"


def test_quoted_delimiter_inside_a_name_does_not_confuse_detection():
    rows = [HEADER, *[[f"Kumar, Ravi {i}", f"R{i:03d}", f"k{i}@example.com", f"98765000{i:02d}"] for i in range(5)]]
    parsed = read_roster(csv_bytes(rows, delimiter=","), "students.csv")
    assert parsed.rows[0].cells[0] == "Kumar, Ravi 0"
    semicolons = read_roster(csv_bytes(rows, delimiter=";"), "students.csv")
    assert semicolons.delimiter == ";"
    assert semicolons.rows[4].cells[0] == "Kumar, Ravi 4"


@pytest.mark.parametrize(
    "labels",
    [
        ["Name", "Roll Number", "Email", "Phone"],
        ["\ufeffSTUDENT NAME", "roll no", "Email ID", "Mobile No (10 digits)"],
        ["  student_name ", "Roll-No.", "e_mail", "Contact Number"],
        ["Name of the Student", "Reg. No.", "Email Address", "WhatsApp Number"],
        ["Student Name*", "Student Roll No", "Student Email", "Student Mobile"],
    ],
)
def test_header_labels_are_forgiving(labels):
    parsed = read_roster(csv_bytes([labels, *students(1)]), "students.csv")
    assert parsed.columns == {"name": 0, "roll_number": 1, "email": 2, "mobile": 3}
    assert parsed.label("mobile") == labels[3].strip()  # errors quote the label as the user wrote it


def test_course_aliases_and_unknown_columns():
    labels = ["S.No", "Name", "Roll No", "E-mail", "Mobile", "Group", "Father Mobile"]
    parsed = read_roster(csv_bytes([labels, ["1", *students(1)[0], "CSE", "9999999999"]]), "students.csv")
    assert parsed.columns == {"name": 1, "roll_number": 2, "email": 3, "mobile": 4, "course": 5}


def test_title_rows_above_the_header_are_skipped():
    rows = [["ABC College — Batch 2025"], [], HEADER, *students(2)]
    parsed = read_roster(csv_bytes(rows), "students.csv")
    assert parsed.header_row == 3
    assert [row.number for row in parsed.rows] == [4, 5]


def test_blank_lines_are_skipped_but_row_numbers_match_the_file():
    data = csv_bytes([HEADER, students(1)[0], [], ["", "", "", ""], students(1, start=2)[0]])
    parsed = read_roster(data, "students.csv")
    assert [row.number for row in parsed.rows] == [2, 5]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\r\n", "\ufeff".encode("utf-16")])
def test_empty_file(data):
    assert file_error(data).code == "empty_file"


def test_header_only():
    assert file_error(csv_bytes([HEADER])).code == "header_only"
    assert file_error(csv_bytes([HEADER, [], ["", "", "", ""]])).code == "header_only"


def test_no_recognisable_header():
    rows = [["Ravi", "R1", "ravi@example.com", "9876500001"]] * 12
    error = file_error(csv_bytes(rows))
    assert error.code == "no_header"


def test_missing_columns_are_named():
    error = file_error(csv_bytes([["Name", "Email"], ["Ravi", "ravi@example.com"]]))
    assert error.code == "missing_columns"
    assert error.details["missing"] == ["roll_number", "mobile"]
    assert "roll number" in error.message
    assert "mobile number" in error.message


def test_two_labels_for_one_column_are_refused():
    error = file_error(csv_bytes([["Name", "Roll No", "Email", "Mobile", "Phone"], ["a", "b", "c", "d", "e"]]))
    assert error.code == "duplicate_columns"
    assert error.details["labels"] == ["Mobile", "Phone"]


def test_pdf_named_csv_is_refused():
    error = file_error(pdf_bytes())
    assert error.code == "unsupported_file_type"
    assert error.details["detected"] == "pdf"


def test_binary_junk_is_refused():
    assert file_error(junk_bytes()).code == "unsupported_file_type"
    assert file_error(b"Name,Roll\x00No\r\n" * 10).code == "unsupported_file_type"


def test_undecodable_text():
    assert file_error(b"\xef\xbb\xbfName,Roll No,Email,Mobile\r\nJos\xe9,R1,a@b.co,1\r\n").code == "undecodable_text"
    # 0x81 is undefined in Windows-1252 and not valid UTF-8 either.
    assert file_error(b"Name,Roll No,Email,Mobile\r\nA\x81B,R1,a@b.co,1\r\n").code == "undecodable_text"
    assert file_error(b"\xff\xfeN\x00a\x00\x00\xd8").code == "undecodable_text"  # lone UTF-16 surrogate


def test_too_many_rows():
    error = file_error(roster_csv(6), limits=RosterLimits(max_rows=5))
    assert error.code == "too_many_rows"
    assert read_roster(roster_csv(5), "s.csv", limits=RosterLimits(max_rows=5)).rows[-1].number == 6


def test_file_too_large():
    data = roster_csv(50)
    error = file_error(data, limits=RosterLimits(max_file_bytes=len(data) - 1))
    assert error.code == "file_too_large"
    assert error.details["bytes"] == len(data)


def test_a_field_beyond_the_csv_field_limit_is_malformed():
    data = csv_bytes([HEADER, ["x" * 200_000, "R1", "a@example.com", "9876500001"]])
    assert file_error(data).code == "malformed_csv"


def test_ragged_rows_are_row_errors():
    data = (
        csv_bytes(
            [
                HEADER,
                students(1)[0],
                ["Kumar", "Ravi", "R2", "r2@example.com", "9876500002"],  # unquoted comma split the name
                ["Only", "R3"],
                [*students(1, start=4)[0], "", ""],  # trailing empty cells are harmless
            ]
        )
        + b'"Unclosed,R5,r5@example.com,9876500005\r\n'
    )  # the open quote swallows the rest of the file
    report = validate_roster(read_roster(data, "s.csv"))
    assert [row["row"] for row in report.valid_rows] == [2, 5]
    ragged = [error for error in report.errors if error["column"] is None]
    assert [error["row"] for error in ragged] == [3, 4, 6]
    assert "5 cells but the header has 4 columns" in ragged[0]["message"]


def test_formula_looking_cells_in_csv_are_row_errors_not_executed():
    data = csv_bytes([HEADER, ['=HYPERLINK("http://evil","x")', "R1", "r1@example.com", "9876500001"]])
    report = validate_roster(read_roster(data, "s.csv"))
    assert report.valid_rows == []
    assert report.errors[0]["column"] == "Student Name"
    assert "cannot start with" in report.errors[0]["message"]


def test_the_filename_extension_is_ignored():
    assert read_roster(roster_csv(1), "students.xlsx").kind == "csv"
