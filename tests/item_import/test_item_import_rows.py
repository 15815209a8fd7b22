"""Reading an item file and checking its rows, without servers: header labels, encodings,
delimiters, workbook cells, lists and JSON, and the row errors with their row and column."""

from __future__ import annotations

import codecs
import re
from datetime import date
from pathlib import Path

import pytest

from domain.assessment import ITEM_TYPES
from schemas.items import CONTENT_SCHEMAS
from tests.roster.builders import csv_bytes, xlsx_bytes
from workers.items.import_reading import ItemFileError, read_item_file
from workers.items.import_rows import all_content_columns, content_columns, validate_rows
from workers.roster.limits import RosterLimits

DOCS = Path(__file__).resolve().parents[2] / "docs" / "item-imports.md"


def _read(data: bytes, *, sheet: str | None = None, limits: RosterLimits | None = None):
    return read_item_file(
        data, "items.csv", known_columns=all_content_columns(), sheet=sheet, limits=limits or RosterLimits()
    )


def _check(data: bytes):
    return validate_rows(_read(data))


def test_labels_ignore_case_and_treat_spaces_and_underscores_alike():
    data = csv_bytes(
        [
            ["TYPE", "level", "Question", "ACCEPTED ANSWERS", "Module", "time_limit_SECONDS", "Remarks"],
            ["short_answer", "beginner", "What is ice?", " frozen water |water| ", "science", "30", "ignored"],
        ]
    )
    report = _check(data)
    assert report.errors == []
    [row] = report.valid
    assert row.row == 2
    assert row.fields == {
        "type": "short_answer",
        "level": "beginner",
        "module": "science",
        "time_limit_seconds": 30,
        "content": {"question": "What is ice?", "accepted_answers": ["frozen water", "water"]},
    }


def test_title_rows_above_the_header_are_skipped_and_row_numbers_are_the_files():
    data = csv_bytes([["Item bank, term 2"], [], ["type", "level", "text"], ["read_aloud", "beginner", ""]])
    report = _check(data)
    assert report.errors == [{"row": 4, "column": "text", "value": "", "message": "Missing data for required field."}]


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("cp1252", ",")]
)
def test_encodings_and_delimiters_are_detected(encoding, delimiter):
    data = csv_bytes(
        [["type", "level", "text"], ["repeat", "beginner", "Café au lait, s’il vous plaît."]],
        encoding=encoding,
        delimiter=delimiter,
    )
    [row] = _check(data).valid
    assert row.fields["content"] == {"text": "Café au lait, s’il vous plaît."}


def test_a_utf8_bom_is_not_part_of_the_first_label():
    data = codecs.BOM_UTF8 + b"type,level,text\nrepeat,beginner,Hello.\n"
    assert len(_check(data).valid) == 1


def test_workbook_cells_that_are_not_text_are_that_rows_error():
    def build(workbook):
        sheet = workbook.active
        sheet["C2"] = date(2026, 1, 5)
        sheet["C3"] = "=1/0"  # openpyxl saves no value for it

    rows = [["type", "level", "text"], ["read_aloud", "beginner", None], ["repeat", "beginner", None]]
    rows.append(["dictation", "advanced", "Fine."])
    report = validate_rows(_read(xlsx_bytes(rows, build=build)))
    assert [row.row for row in report.valid] == [4]
    assert [(e["row"], e["column"], e["value"]) for e in report.errors] == [
        (2, "text", "2026-01-05T00:00:00"),
        (3, "text", ""),
    ]
    assert "date" in report.errors[0]["message"]
    assert "formula" in report.errors[1]["message"]


def test_numbers_in_a_workbook_are_taken_as_shown():
    rows = [["type", "level", "question", "options", "answer", "time limit seconds"]]
    rows.append(["mcq", "beginner", "2 + 2?", "3|4", 1, 45.0])
    [row] = validate_rows(_read(xlsx_bytes(rows))).valid
    assert (row.fields["content"]["answer"], row.fields["time_limit_seconds"]) == (1, 45)


def test_email_points_are_json_and_bad_json_is_reported_once():
    header = ["type", "level", "prompt", "points", "min_words"]
    good = '[{"id": "a", "description": "Says hello", "keywords": ["hello"]}]'
    report = _check(
        csv_bytes(
            [
                header,
                ["email_writing", "beginner", "Write.", good, "20"],
                ["email_writing", "beginner", "Write.", "[{", "many"],
                ["email_writing", "beginner", "Write.", '[{"id": "a", "description": "d"}]', ""],
            ]
        )
    )
    assert [row.row for row in report.valid] == [2]
    assert report.valid[0].fields["content"]["points"][0]["keywords"] == ["hello"]
    by_row = [(e["row"], e["column"], e["message"].split(":")[0]) for e in report.errors]
    assert by_row == [
        (3, "points", "Not valid JSON"),
        (3, "min_words", "Not a valid integer."),
        (4, "points", "entry 1"),
    ]
    assert "Give keywords or all_of groups." in report.errors[2]["message"]


def test_a_list_of_empty_parts_is_an_empty_list():
    report = _check(csv_bytes([["type", "level", "phrases", "text"], ["sentence_builds", "beginner", " | |", "x"]]))
    assert [(e["column"], e["message"]) for e in report.errors] == [("phrases", "Length must be between 2 and 8.")]


def test_a_row_of_an_unknown_type_reports_only_the_type():
    report = _check(csv_bytes([["type", "level", "text"], ["essay", "", ""]]))
    assert [(e["column"], e["value"]) for e in report.errors] == [("level", ""), ("type", "essay")]
    assert report.failed == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"type,level,Type\nrepeat,beginner,repeat\n", "duplicate_columns"),
        (b"level,text\nbeginner,x\n", "no_header"),
        (b"type,text\nrepeat,x\n", "missing_columns"),
        (b"type,level\n", "header_only"),
        (b"\n\n\n", "empty_file"),
        (b"", "empty_file"),
        (b"%PDF-1.4 not a spreadsheet", "unsupported_file_type"),
    ],
)
def test_file_errors_keep_the_roster_readers_codes_in_item_words(data, code):
    with pytest.raises(ItemFileError) as caught:
        _read(data)
    assert caught.value.code == code
    assert "roster" not in caught.value.message
    assert caught.value.message


def test_the_size_and_row_limits_apply():
    data = b"type,level,text\n" + b"repeat,beginner,Again.\n" * 11
    with pytest.raises(ItemFileError) as caught:
        _read(data, limits=RosterLimits(max_rows=10))
    assert (caught.value.code, caught.value.details) == ("too_many_rows", {"max_rows": 10})
    with pytest.raises(ItemFileError) as caught:
        _read(data, limits=RosterLimits(max_file_bytes=100))
    assert caught.value.code == "file_too_large"


def test_every_types_columns_are_its_content_fields_and_documented():
    docs = DOCS.read_text(encoding="utf-8")
    section = docs[docs.index("## Item imports: columns") :]
    for item_type in ITEM_TYPES:
        assert [column.name for column in content_columns(item_type)] == list(CONTENT_SCHEMAS[item_type]().fields)
        line = next(line for line in section.splitlines() if f"`{item_type}`" in _cells(line)[:1][0])
        required_part, optional_part = _cells(line)[1:3]
        for column in content_columns(item_type):
            assert f"`{column.name}`" in (required_part if column.required else optional_part), (item_type, column)


def _cells(line: str) -> list[str]:
    """A markdown table row's cells (`\\|` inside a cell is a literal bar); [""] for other lines."""
    if not line.startswith("|"):
        return [""]
    return re.split(r"(?<!\\)\|", line.strip().strip("|"))


def test_the_documented_example_imports():
    docs = DOCS.read_text(encoding="utf-8")
    example = docs.split("```csv\n", 1)[1].split("```", 1)[0]
    report = _check(example.encode("utf-8"))
    assert report.errors == []
    assert [row.fields["type"] for row in report.valid] == ["read_aloud", "mcq", "short_answer"]
