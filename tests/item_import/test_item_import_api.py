"""Item imports through the API and a real worker: every item type from CSV and XLSX, row errors
with row and column, dry runs, where the items go, and prompt audio for the items a student hears."""

from __future__ import annotations

import csv
import io

import pytest
from bson import ObjectId

from store import item_imports, jobs
from tests.identity.conftest import error_of

from .conftest import (
    AUDIO_TYPES,
    CHUNK_ROWS,
    EVERY_TYPE,
    every_type_rows,
    items_csv,
    items_of_import,
    items_xlsx,
    wait_until,
)


def _check_every_type_was_imported(db, job: dict, campus_id: str | None, owner_id: str) -> list[dict]:
    assert job["state"] == "succeeded", job
    result = job["result"]
    count = len(EVERY_TYPE)
    assert result == {
        "import_id": result["import_id"],
        "rows": count,
        "created": count,
        "failed": 0,
        "errors": 0,
        "dry_run": False,
        "errors_url": f"/api/v1/item-imports/{result['import_id']}/errors",
    }
    assert job["progress"] == {"done": count, "total": count}
    created = items_of_import(db, result["import_id"])
    assert [item["import_row"] for item in created] == list(range(2, count + 2))
    for item, (row, content) in zip(created, EVERY_TYPE, strict=True):
        assert item["type"] == row["Type"]
        assert item["level"] == row["Level"]
        assert item["module"] == (row.get("Module") or None)
        assert item["time_limit_seconds"] == (int(row["Time Limit Seconds"]) if "Time Limit Seconds" in row else None)
        assert item["content"] == content, item["type"]
        assert item["campus_id"] == campus_id
        assert item["created_by"] == owner_id
        assert (item["version"], item["retired"], item["active"], item["used"]) == (1, False, True, False)
        hears = item["type"] in AUDIO_TYPES or bool(content.get("audio_text"))
        assert item["prompt_audio"]["state"] in (("pending", "ready") if hears else ("none",)), item
    return created


def test_a_csv_with_every_item_type_imports_into_the_campus_admins_campus(
    db, client, org, worker, run_import, poll_job
):
    job = run_import(org.headers["campus_admin"], items_csv(every_type_rows()))
    created = _check_every_type_was_imported(db, job, org.ids["campus"], org.ids["campus_admin"])
    # The items are the campus's, through the items API too.
    listed = client.get(f"/api/v1/items/{created[0]['_id']}", headers=org.headers["campus_admin"])
    assert listed.status_code == 200
    assert listed.get_json()["campus_id"] == org.ids["campus"]

    # Every item the student hears got one prompt_audio job, owned by the importing admin, that finishes ready.
    hearing = [item for item in created if item["prompt_audio"]["state"] != "none"]
    assert {item["type"] for item in hearing} == AUDIO_TYPES | {"mcq"}
    audio_jobs = list(
        db.jobs.find({"kind": "prompt_audio", "params.item_id": {"$in": [str(i["_id"]) for i in hearing]}})
    )
    assert sorted(j["params"]["item_id"] for j in audio_jobs) == sorted(str(i["_id"]) for i in hearing)
    assert {j["owner_id"] for j in audio_jobs} == {org.ids["campus_admin"]}
    assert {j["scope"].get("campus_id") for j in audio_jobs} == {org.ids["campus"]}
    for audio_job in audio_jobs:
        done = poll_job(org.headers["campus_admin"], f"/api/v1/jobs/{audio_job['_id']}", timeout=180)
        assert done["state"] == "succeeded", done
    for item in hearing:
        body = client.get(f"/api/v1/items/{item['_id']}", headers=org.headers["campus_admin"]).get_json()
        assert body["prompt_audio"]["state"] == "ready", body
        assert body["prompt_audio"]["source"] == "tts"

    record = client.get(f"/api/v1/item-imports/{job['result']['import_id']}", headers=org.headers["campus_admin"])
    assert record.status_code == 200
    body = record.get_json()
    assert body["state"] == "succeeded"
    assert body["campus_id"] == org.ids["campus"]
    assert body["counts"] == {"rows": len(EVERY_TYPE), "created": len(EVERY_TYPE), "failed": 0, "errors": 0}
    assert body["file"] == {"filename": "items.csv", "size": body["file"]["size"]}
    assert body["job_id"] == job["id"]
    assert body["dry_run"] is False
    assert body["finished_at"]


def test_an_xlsx_with_every_item_type_imports_into_the_shared_bank(db, org, worker, run_import):
    job = run_import(org.headers["superadmin"], items_xlsx(every_type_rows(), title="Items"), "bank.xlsx")
    _check_every_type_was_imported(db, job, None, org.ids["superadmin"])


def test_a_named_sheet_and_a_campus_chosen_by_a_content_manager(db, org, worker, run_import):
    def two_sheets(workbook):
        sheet = workbook.create_sheet("Second")
        sheet.append(["type", "level", "text"])
        sheet.append(["dictation", "advanced", "Only the second sheet is read."])

    data = items_xlsx(every_type_rows(), build=two_sheets)
    job = run_import(
        org.headers["content_manager"], data, "bank.xlsx", sheet="second", campus_id=org.ids["other_campus"]
    )
    assert job["state"] == "succeeded", job
    assert (job["result"]["rows"], job["result"]["created"]) == (1, 1)
    [item] = items_of_import(db, job["result"]["import_id"])
    assert (item["type"], item["campus_id"], item["content"]) == (
        "dictation",
        org.ids["other_campus"],
        {"text": "Only the second sheet is read."},
    )


BAD_ROWS = [
    {"Type": "read_aloud", "Level": "beginner", "Text": "A good row."},
    {"Type": "mcq", "Level": "beginner", "Question": "Pick one", "Options": "a|b|c", "Answer": "3"},
    {"Type": "read_aloud", "Level": "beginner", "Text": ""},
    {"Type": "essay", "Level": "beginner", "Text": "What type is this?"},
    {"Type": "repeat", "Level": "expert", "Text": "Say this."},
    {"Type": "mcq", "Level": "advanced", "Question": "Which?", "Options": "only one", "Answer": "zero"},
    {"Type": "email_writing", "Level": "advanced", "Prompt": "Write.", "Points": "[{not json"},
    {"Type": "sentence_completion", "Level": "beginner", "Sentence": "No gap.", "acceptable_answers": "x"},
    {"Type": "typing", "Level": "beginner", "Module": "Reading", "Time Limit Seconds": "2", "Passage": "Type it."},
    {"Type": "dictation", "Level": "beginner", "Text": "Another good row."},
]
EXPECTED_ERRORS = [
    (3, "Answer", "3", "The answer must be the index of one of the 3 options (from 0)."),
    (4, "Text", "", "Missing data for required field."),
    (5, "Type", "essay", "Must be one of:"),
    (6, "Level", "expert", "Must be one of: beginner, intermediate, advanced."),
    (7, "Answer", "zero", "Not a valid integer."),
    (7, "Options", "only one", "Length must be between 2 and 6."),
    (8, "Points", "[{not json", "Not valid JSON:"),
    (9, "Sentence", "No gap.", "The sentence needs exactly one gap"),
    (10, "Module", "Reading", "Lower-case letters, digits and _ only"),
    (10, "Time Limit Seconds", "2", "Must be greater than or equal to 5"),
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_row_errors_name_the_row_and_the_column_and_the_good_rows_are_imported(
    db, client, org, worker, run_import, kind
):
    data = items_csv(BAD_ROWS) if kind == "csv" else items_xlsx(BAD_ROWS)
    job = run_import(org.headers["campus_admin"], data, f"items.{kind}")
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert (result["rows"], result["created"], result["failed"], result["errors"]) == (10, 2, 8, len(EXPECTED_ERRORS))
    assert [item["import_row"] for item in items_of_import(db, result["import_id"])] == [2, 11]

    errors = client.get(result["errors_url"], headers=org.headers["campus_admin"], query_string={"per_page": 100})
    assert errors.status_code == 200
    page = errors.get_json()
    assert page["total"] == len(EXPECTED_ERRORS)
    found = sorted((e["row"], e["column"], e["value"], e["message"]) for e in page["items"])
    assert [row[:3] for row in found] == [row[:3] for row in EXPECTED_ERRORS]
    for (*_, message), (*_, expected) in zip(found, EXPECTED_ERRORS, strict=True):
        assert message.startswith(expected), (message, expected)

    as_csv = client.get(f"{result['errors_url']}.csv", headers=org.headers["campus_admin"])
    assert as_csv.status_code == 200
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "message"]
    assert len(rows) == 1 + len(EXPECTED_ERRORS)


def test_a_missing_column_for_a_rows_type_is_that_rows_error(db, client, org, worker, run_import):
    header = ["type", "level", "text", "question"]
    rows = [
        {"type": "mcq", "level": "beginner", "question": "Which?"},
        {"type": "read_aloud", "level": "beginner", "text": "Fine without options."},
    ]
    job = run_import(org.headers["campus_admin"], items_csv(rows, header))
    result = job["result"]
    assert (result["created"], result["failed"]) == (1, 1)
    page = client.get(result["errors_url"], headers=org.headers["campus_admin"]).get_json()
    assert sorted((e["row"], e["column"]) for e in page["items"]) == [(2, "answer"), (2, "options")]
    assert all("The file has no" in e["message"] for e in page["items"])


def test_a_shifted_row_is_refused_whole(db, client, org, worker, run_import):
    data = b"type,level,text\nread_aloud,beginner,Hello, said the man.\nrepeat,beginner,Fine.\n"
    job = run_import(org.headers["campus_admin"], data)
    result = job["result"]
    assert (result["rows"], result["created"], result["failed"]) == (2, 1, 1)
    [error] = client.get(result["errors_url"], headers=org.headers["campus_admin"]).get_json()["items"]
    assert (error["row"], error["column"]) == (2, None)
    assert error["message"] == "The row has 4 cells but the header has 3 columns."


def test_a_dry_run_checks_every_row_and_writes_nothing(db, client, org, worker, run_import):
    items_before, audio_before = db.items.count_documents({}), db.jobs.count_documents({"kind": "prompt_audio"})
    job = run_import(org.headers["campus_admin"], items_csv([*every_type_rows(), *BAD_ROWS]), dry_run=True)
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["dry_run"] is True
    assert (result["rows"], result["created"], result["failed"], result["errors"]) == (
        len(EVERY_TYPE) + 10,
        len(EVERY_TYPE) + 2,
        8,
        len(EXPECTED_ERRORS),
    )
    assert db.items.count_documents({}) == items_before
    assert db.jobs.count_documents({"kind": "prompt_audio"}) == audio_before
    page = client.get(result["errors_url"], headers=org.headers["campus_admin"]).get_json()
    assert page["total"] == len(EXPECTED_ERRORS)
    record = client.get(f"/api/v1/item-imports/{result['import_id']}", headers=org.headers["campus_admin"]).get_json()
    assert record["dry_run"] is True
    assert record["counts"]["created"] == len(EVERY_TYPE) + 2


def test_progress_is_recorded_per_chunk(db, org, worker, upload, wait_for_job):
    rows = [{"Type": "typing", "Level": "beginner", "Passage": f"Passage number {n}."} for n in range(30)]
    resp = upload(org.headers["superadmin"], items_csv(rows))
    assert resp.status_code == 202
    job_id = resp.get_json()["id"]
    seen: set[int] = set()

    def finished() -> bool:
        job = jobs.get(db, job_id)
        seen.add(job["progress"]["done"])
        return job["state"] in ("succeeded", "failed")

    wait_until(finished, step=0.005)
    done = wait_for_job(job_id)
    assert done["state"] == "succeeded", done
    assert done["progress"] == {"done": 30, "total": 30}
    assert seen <= {0, *range(CHUNK_ROWS, 30, CHUNK_ROWS), 30}


# --- who may import where ------------------------------------------------------------------------


def test_a_campus_admin_cannot_import_into_another_campus_or_the_shared_bank(client, org, upload):
    data = items_csv(every_type_rows())
    for campus_id in (org.ids["other_campus"], ""):
        resp = upload(org.headers["campus_admin"], data, campus_id=campus_id)
        assert resp.status_code == 422, resp.get_json()
        error = error_of(resp)
        assert error["code"] == "validation_error"
        assert error["details"] == {"campus_id": ["You may import items into your own campus only."]}


def test_a_campus_admin_may_name_their_own_campus_and_omitting_it_means_the_same(client, db, org, upload):
    for form in ({"campus_id": org.ids["campus"].upper()}, {}):
        resp = upload(org.headers["campus_admin"], items_csv(every_type_rows()), dry_run=True, **form)
        assert resp.status_code == 202, resp.get_json()
        job = resp.get_json()
        record = item_imports.records.find_one(db, {"job_id": ObjectId(job["id"])})
        assert record["campus_id"] == org.ids["campus"]
        assert record["file"]["key"] == f"item-imports/{record['_id']}/items.csv"
        assert job["kind"] == "item_import"
        assert job["state"] == "queued"


def test_who_may_import(client, org, upload):
    data = items_csv(every_type_rows())
    assert upload(org.headers["course_admin"], data).status_code == 403
    unknown = upload(org.headers["superadmin"], data, campus_id="0" * 24)
    assert unknown.status_code == 422
    assert "campus_id" in error_of(unknown)["details"]
    assert upload(org.headers["superadmin"], data, campus_id="not-an-id").status_code == 422
    assert upload(org.headers["superadmin"], data, dry_run="maybe").status_code == 422


def test_an_import_is_visible_to_those_who_may_change_its_items(client, db, org, upload):
    resp = upload(org.headers["campus_admin"], items_csv(every_type_rows()), dry_run=True)
    import_id = str(item_imports.records.find_one(db, {"job_id": ObjectId(resp.get_json()["id"])})["_id"])
    for who, status in [
        ("campus_admin", 200),
        ("superadmin", 200),
        ("content_manager", 200),
        ("other_campus_admin", 404),
        ("course_admin", 404),
    ]:
        for suffix in ("", "/errors", "/errors.csv"):
            got = client.get(f"/api/v1/item-imports/{import_id}{suffix}", headers=org.headers[who])
            assert got.status_code == status, (who, suffix, got.get_json())
    assert client.get(f"/api/v1/item-imports/{'a' * 24}", headers=org.headers["superadmin"]).status_code == 404


def test_the_request_itself_is_checked(client, org, upload):
    headers = org.headers["campus_admin"]
    assert client.post("/api/v1/item-imports", headers=headers, json={"file": "x"}).status_code == 415
    empty = upload(headers, b"")
    assert empty.status_code == 400
    assert error_of(empty)["code"] == "empty_file"
    missing = client.post("/api/v1/item-imports", headers=headers, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
