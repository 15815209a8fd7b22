"""Row validation, duplicates (in the file and against stored students) and the errors CSV."""

from __future__ import annotations

import csv
import io

import phonenumbers
import pytest

from domain.csvsafe import row_errors_to_csv as errors_to_csv
from domain.phones import InvalidMobileError, _slow_e164, normalise_mobile
from workers.roster import ExistingStudent, RosterFileError, read_roster, validate_roster

from .builders import HEADER, csv_bytes, roster_csv, student, students

COURSES = {"BTech CSE": "course-cse", "BTech ECE": "course-ece"}


def check(rows, header=HEADER, **options):
    return validate_roster(read_roster(csv_bytes([header, *rows]), "students.csv"), **options)


def test_valid_rows_are_normalised_plain_dicts():
    report = check([["  Ravi   Kumar ", "21cs-001/a", "Ravi.Kumar@Example.COM", "+91 98765 43210"]])
    assert report.errors == []
    assert report.valid_rows == [
        {
            "row": 2,
            "name": "Ravi Kumar",
            "roll_number": "21CS-001/A",
            "email": "ravi.kumar@example.com",
            "mobile": "+919876543210",
            "course_id": None,
            "existing": False,
        }
    ]
    assert (report.rows, report.failed) == (1, 0)


@pytest.mark.parametrize(
    "written",
    [
        "9876543210",
        "+919876543210",
        "+91-98765-43210",
        "09876543210",
        "919876543210",
        "(98765) 43210",
        "0091 98765 43210",
        "98765.43210",
    ],
)
def test_mobile_spellings_normalise_to_e164(written):
    assert check([["Ravi", "R001", "r@example.com", written]]).valid_rows[0]["mobile"] == "+919876543210"


def test_default_region_applies_to_national_numbers():
    report = check([["Ann", "R001", "ann@example.com", "(202) 555-0143"]], default_region="US")
    assert report.valid_rows[0]["mobile"] == "+12025550143"
    foreign = check([["Ann", "R001", "ann@example.com", "+44 7911 123456"]])
    assert foreign.valid_rows[0]["mobile"] == "+447911123456"


@pytest.mark.parametrize(
    "written",
    [
        "9876543210",
        "+91 98765 43210",
        "09876543210",
        "919876543210",
        "6000012345",
        "7012345678",
        "12345",
        "+1 202 555 0143",
        "00919876543210",
        "98765432101",
        "5876543210",
        "+9198765",
        "+44 7911 123456",
    ],
)
def test_fast_mobile_path_agrees_with_phonenumbers(written):
    try:
        slow = _slow_e164(written, "IN")
    except InvalidMobileError:
        slow = None
    try:
        fast = normalise_mobile(written, "IN")
    except InvalidMobileError:
        fast = None
    assert fast == slow


def test_each_field_problem_is_reported_with_row_column_and_value():
    report = check(
        [
            ["", "R001", "a@example.com", "9876500001"],
            ["Asha", "R2", "asha@example.com", "9876500002"],
            ["Bala", "R 003", "bala@example.com", "9876500003"],
            ["Chitra", "R004", "chitra@@example", "9876500004"],
            ["Dev", "R005", "dev@example.com", "12345"],
            ["Esha", "R006", "esha@example.com", "9.87654E+09"],
            ["1234", "R007", "", "9876500007"],
        ]
    )
    assert report.valid_rows == []
    found = {(error["row"], error["column"], error["value"]) for error in report.errors}
    assert found == {
        (2, "Student Name", ""),
        (3, "Roll No.", "R2"),
        (4, "Roll No.", "R 003"),
        (5, "E-mail", "chitra@@example"),
        (6, "Mobile Number", "12345"),
        (7, "Mobile Number", "9.87654E+09"),
        (8, "Student Name", "1234"),
        (8, "E-mail", ""),
    }
    messages = {(error["row"], error["column"]): error["message"] for error in report.errors}
    assert messages[(2, "Student Name")] == "The student name is required."
    assert "scientific notation" in messages[(7, "Mobile Number")]
    assert report.failed == 7


def test_errors_are_sorted_by_row_then_column_order():
    report = check([["Ravi", "R1", "bad", "1"], ["", "R2", "r@example.com", "9876500001"]])
    assert [(error["row"], error["column"]) for error in report.errors] == [
        (2, "Roll No."),
        (2, "E-mail"),
        (2, "Mobile Number"),
        (3, "Student Name"),
        (3, "Roll No."),
    ]


def test_course_column_is_required_when_the_batch_has_several_courses():
    with pytest.raises(RosterFileError) as caught:
        check(students(1), courses=COURSES)
    assert caught.value.code == "missing_columns"
    assert caught.value.details["missing"] == ["course"]


def test_course_names_match_case_insensitively_and_unknown_ones_are_errors():
    header = [*HEADER, "Group"]
    report = check(
        [
            [*student(1), "btech  cse"],
            [*student(2), "BTECH ECE"],
            [*student(3), "MBA"],
            [*student(4), ""],
        ],
        header=header,
        courses=COURSES,
    )
    assert [(row["row"], row["course_id"]) for row in report.valid_rows] == [(2, "course-cse"), (3, "course-ece")]
    assert [(error["row"], error["column"]) for error in report.errors] == [(4, "Group"), (5, "Group")]
    assert "BTech CSE, BTech ECE" in report.errors[0]["message"]
    assert report.errors[1]["message"] == "The course is required."


def test_a_single_course_batch_needs_no_course_column():
    report = check(students(2), courses={"BTech CSE": "course-cse"})
    assert [row["course_id"] for row in report.valid_rows] == ["course-cse", "course-cse"]


def test_duplicates_inside_the_file_name_the_row_they_clash_with():
    report = check(
        [
            student(1),
            ["Other", "R00001", "other@example.com", "9876500099"],  # same roll number as row 2 after upper-casing
            ["Third", "R00003", "STUDENT1@example.com", "9876500098"],  # same email, other case
            ["Fourth", "R00004", "fourth@example.com", "+91 98765 00001"],  # same mobile, other spelling
        ]
    )
    assert [row["row"] for row in report.valid_rows] == [2]
    assert [(error["row"], error["column"], error["message"]) for error in report.errors] == [
        (3, "Roll No.", "Duplicate roll number: the same as row 2."),
        (4, "E-mail", "Duplicate email: the same as row 2."),
        (5, "Mobile Number", "Duplicate mobile number: the same as row 2."),
    ]


def test_duplicates_are_found_even_on_rows_with_other_errors():
    report = check([student(1), ["", "R00001", "x@example.com", "9876500077"]])
    assert {error["message"] for error in report.errors if error["row"] == 3} == {
        "The student name is required.",
        "Duplicate roll number: the same as row 2.",
    }


def test_existing_students_are_looked_up_once_and_clashes_reported():
    calls = []

    def existing(roll_numbers, emails, mobiles):
        calls.append((roll_numbers, emails, mobiles))
        return [
            ExistingStudent(roll_number="R00001", email="student1@example.com", mobile="+919876500001"),
            ExistingStudent(roll_number="R00009", email="taken@example.com", mobile="+919876500002"),
            ExistingStudent(roll_number="R00003", can_update=False),
            ExistingStudent(roll_number="(staff account)", email="staff@example.com", can_update=False),
        ]

    report = check(
        [
            student(1),  # the same student: an update
            ["Asha", "R00002", "Taken@example.com", "9876500002"],
            student(3),
            student(4),
        ],
        existing=existing,
    )
    assert len(calls) == 1
    assert calls[0][0] == {"R00001", "R00002", "R00003", "R00004"}
    assert "taken@example.com" in calls[0][1]
    assert "+919876500004" in calls[0][2]
    assert [(row["row"], row["existing"]) for row in report.valid_rows] == [(2, True), (5, False)]
    assert [(error["row"], error["column"], error["message"]) for error in report.errors] == [
        (3, "E-mail", "This email already belongs to the student with roll number R00009."),
        (3, "Mobile Number", "This mobile number already belongs to the student with roll number R00009."),
        (4, "Roll No.", "This roll number cannot be used."),
    ]
    assert report.existing == 1


def test_errors_csv_neutralises_formula_cells():
    errors = [
        {"row": 2, "column": "Student Name", "value": '=HYPERLINK("http://x")', "message": "bad"},
        {"row": 3, "column": None, "value": "+91 98765", "message": "-oops"},
        {"row": 4, "column": "E-mail", "value": "@SUM(A1)", "message": "\tTab"},
        {"row": 5, "column": "E-mail", "value": "\rcarriage", "message": "plain, with comma"},
    ]
    text = errors_to_csv(errors).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["row", "column", "value", "message"]
    assert rows[1] == ["2", "Student Name", '\'=HYPERLINK("http://x")', "bad"]
    assert rows[2] == ["3", "", "'+91 98765", "'-oops"]
    assert rows[3] == ["4", "E-mail", "'@SUM(A1)", "'\tTab"]
    assert rows[4] == ["5", "E-mail", "'\rcarriage", "plain, with comma"]


def test_errors_csv_of_a_real_report_round_trips():
    report = check([["=1+2", "R001", "a@example.com", "9876500001"]])
    rows = list(csv.reader(io.StringIO(errors_to_csv(report.errors).decode("utf-8-sig"), newline="")))
    assert rows[1][:3] == ["2", "Student Name", "'=1+2"]


def test_ten_thousand_rows_validate_completely():
    data = roster_csv(10_000)
    report = validate_roster(read_roster(data, "big.csv"), courses={"BTech": "c1"})
    assert report.rows == 10_000
    assert report.errors == []
    assert report.valid_rows[-1]["row"] == 10_001
    assert len({row["mobile"] for row in report.valid_rows}) == 10_000
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(row["mobile"])) for row in report.valid_rows[:50])


def test_an_account_the_import_may_not_change_is_never_described():
    existing = [
        ExistingStudent(
            roll_number="(staff account)", email="staff@example.com", mobile="+919876500009", can_update=False
        ),
        ExistingStudent(roll_number="ELSEWHERE-7", email="far@example.com", can_update=False),
    ]
    report = check(
        [
            ["Asha", "R00021", "staff@example.com", "9876500021"],
            ["Ravi", "R00022", "far@example.com", "9876500009"],
        ],
        existing=lambda *_: existing,
    )
    messages = [error["message"] for error in report.errors]
    assert messages == [
        "This email cannot be used.",
        "This email cannot be used.",
        "This mobile number cannot be used.",
    ]
    # That the value is taken is all: not whose it is, nor that it is outside this batch.
    assert not any(word in m.lower() for m in messages for word in ("staff", "elsewhere", "account", "batch", "hold"))
