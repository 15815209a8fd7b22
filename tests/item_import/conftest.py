"""Item import tests: a campus (and another one), admins with tokens, a real worker, item files.

The worker is the suite's WorkerProcess on the imports queue (item imports) and the default queue
(the prompt audio jobs an import asks for), with small limits from configuration exactly as in
production: ROSTER_MAX_ROWS=200 and ROSTER_CHUNK_ROWS=4 (several progress steps per file).
"""

from __future__ import annotations

import io
import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import WorkerProcess
from tests.roster.builders import csv_bytes, xlsx_bytes
from tests.support.org import Org

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

MAX_ROWS = 200
CHUNK_ROWS = 4

# Labels as people write them: any case, spaces for underscores; "Notes" is not a column.
HEADER = [
    "Type",
    "Level",
    "Module",
    "Time Limit Seconds",
    "Text",
    "Phrases",
    "Question",
    "Accepted Answers",
    "Story",
    "Key Ideas",
    "Passage",
    "Sentence",
    "acceptable_answers",
    "Prompt",
    "Points",
    "MIN_WORDS",
    "Max words",
    "Options",
    "Answer",
    "Audio Text",
    "Notes",
]
POINTS = [
    {"id": "time", "description": "Says when the meeting is", "keywords": ["monday", "10"]},
    {"id": "place", "description": "Says where", "all_of": [["room"], ["204"]]},
]

# One row of every item type (values as a spreadsheet holds them), and what the item's content becomes.
EVERY_TYPE: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"Type": "read_aloud", "Level": "beginner", "Text": "The library closes at nine on Friday evening."},
        {"text": "The library closes at nine on Friday evening."},
    ),
    (
        {"Type": "repeat", "Level": "beginner", "Module": "listening", "Text": "Please close the door quietly."},
        {"text": "Please close the door quietly."},
    ),
    (
        {
            "Type": "sentence_builds",
            "Level": "intermediate",
            "Phrases": "the bus | was late | this morning",
            "Text": "The bus was late this morning.",
        },
        {"phrases": ["the bus", "was late", "this morning"], "text": "The bus was late this morning."},
    ),
    (
        {
            "Type": "short_answer",
            "Level": "beginner",
            "Question": "What do you call a baby cat?",
            "Accepted Answers": "kitten|a kitten",
        },
        {"question": "What do you call a baby cat?", "accepted_answers": ["kitten", "a kitten"]},
    ),
    (
        {
            "Type": "story_retelling",
            "Level": "advanced",
            "Story": "Ravi missed the train, so he took a taxi, and still reached the interview early.",
            "Key Ideas": "missed the train|took a taxi|reached early",
        },
        {
            "story": "Ravi missed the train, so he took a taxi, and still reached the interview early.",
            "key_ideas": ["missed the train", "took a taxi", "reached early"],
        },
    ),
    (
        {"Type": "open_question", "Level": "intermediate", "Question": "Describe your favourite place to study."},
        {"question": "Describe your favourite place to study."},
    ),
    (
        {"Type": "typing", "Level": "beginner", "Time Limit Seconds": "90", "Passage": "Typing fast takes practice."},
        {"passage": "Typing fast takes practice."},
    ),
    (
        {
            "Type": "sentence_completion",
            "Level": "beginner",
            "Sentence": "The meeting was ___ until Monday.",
            "acceptable_answers": "postponed|moved",
        },
        {"sentence": "The meeting was ___ until Monday.", "acceptable_answers": ["postponed", "moved"]},
    ),
    (
        {"Type": "dictation", "Level": "beginner", "Text": "Students must return their books before the holidays."},
        {"text": "Students must return their books before the holidays."},
    ),
    (
        {"Type": "passage_reconstruction", "Level": "advanced", "Passage": "The river flooded the old town twice."},
        {"passage": "The river flooded the old town twice."},
    ),
    (
        {
            "Type": "email_writing",
            "Level": "advanced",
            "Prompt": "Write to your manager about the team meeting.",
            "Points": json.dumps(POINTS),
            "MIN_WORDS": "40",
            "Max words": "120",
        },
        {
            "prompt": "Write to your manager about the team meeting.",
            "points": POINTS,
            "min_words": 40,
            "max_words": 120,
        },
    ),
    (
        {
            "Type": "mcq",
            "Level": "intermediate",
            "Module": "reading",
            "Question": "Which word means large?",
            "Options": "tiny|huge|thin",
            "Answer": "1",
            "Passage": "Elephants are huge animals.",
            "Notes": "ignored",
        },
        {
            "question": "Which word means large?",
            "options": ["tiny", "huge", "thin"],
            "answer": 1,
            "passage": "Elephants are huge animals.",
        },
    ),
    (
        {
            "Type": "mcq",
            "Level": "beginner",
            "Question": "What did the speaker buy?",
            "Options": "bread|milk",
            "Answer": "0",
            "Audio Text": "I went to the shop and bought some bread.",
        },
        {
            "question": "What did the speaker buy?",
            "options": ["bread", "milk"],
            "answer": 0,
            "audio_text": "I went to the shop and bought some bread.",
        },
    ),
]
# Rows (by file row number: the header is row 1) whose items the student hears.
AUDIO_TYPES = {"repeat", "sentence_builds", "short_answer", "story_retelling", "dictation"}


def table(rows: Sequence[dict[str, Any]], header: Sequence[str] = HEADER) -> list[list[Any]]:
    return [list(header), *[[row.get(label, "") for label in header] for row in rows]]


def every_type_rows() -> list[dict[str, Any]]:
    return [row for row, _ in EVERY_TYPE]


def items_csv(rows: Sequence[dict[str, Any]], header: Sequence[str] = HEADER, **options: Any) -> bytes:
    return csv_bytes([[str(cell) for cell in row] for row in table(rows, header)], **options)


def items_xlsx(rows: Sequence[dict[str, Any]], header: Sequence[str] = HEADER, **options: Any) -> bytes:
    """Whole numbers as number cells, empty cells as no cell: as a spreadsheet saves them."""
    return xlsx_bytes([[_xlsx_cell(cell) for cell in row] for row in table(rows, header)], **options)


def _xlsx_cell(cell: Any) -> Any:
    if cell == "":
        return None
    return int(cell) if isinstance(cell, str) and cell.isdigit() else cell


class ItemImportWorker(WorkerProcess):
    def __init__(self, log_dir: Path):
        super().__init__(
            log_dir,
            queues="default,imports",
            env={"ROSTER_MAX_ROWS": str(MAX_ROWS), "ROSTER_CHUNK_ROWS": str(CHUNK_ROWS)},
        )


@pytest.fixture(scope="module")
def worker(db, tmp_path_factory):
    process = ItemImportWorker(tmp_path_factory.mktemp("item-import-worker")).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def org(app, db) -> Org:
    """A campus with a course, another campus, and the admins an item import meets."""
    o = Org(db)
    o.campus("campus", "Item import campus")
    o.campus("other_campus", "Item import other")
    o.course("course", "campus", "BSc")
    o.account("superadmin", "superadmin")
    o.account("content_manager", "sub_superadmin", permissions={"items": "write", "campuses": "read"})
    o.account("campus_admin", "campus_admin", campus_id=o.ids["campus"])
    o.account("other_campus_admin", "campus_admin", campus_id=o.ids["other_campus"])
    o.account("course_admin", "course_admin", campus_id=o.ids["campus"], course_ids=[o.ids["course"]])
    o.issue_headers(app)
    return o


@pytest.fixture
def upload(client):
    """POST an item file; returns the response."""

    def post(headers: dict, data: bytes, filename: str = "items.csv", **form: Any):
        body: dict[str, Any] = {
            key: str(value).lower() if isinstance(value, bool) else value for key, value in form.items()
        }
        body["file"] = (io.BytesIO(data), filename)
        return client.post("/api/v1/item-imports", headers=headers, data=body, content_type="multipart/form-data")

    return post


@pytest.fixture
def run_import(upload, poll_job):
    """Upload and wait for the job to finish; returns the finished job body."""

    def run(headers: dict, data: bytes, filename: str = "items.csv", timeout: float = 120, **form: Any) -> dict:
        resp = upload(headers, data, filename, **form)
        assert resp.status_code == 202, resp.get_json()
        return poll_job(headers, resp.headers["Location"], timeout=timeout)

    return run


def items_of_import(db, import_id: str) -> list[dict]:
    return list(db.items.find({"created_by_import": import_id}).sort("import_row", 1))


def wait_until(check, timeout: float = 120, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not true after {timeout}s")
