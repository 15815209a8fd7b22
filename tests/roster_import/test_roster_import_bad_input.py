"""Bad roster files through the job path: a clear job error or row errors, nothing written, worker alive."""

from __future__ import annotations

import pytest

from tests.roster.builders import (
    HEADER,
    cfb_container,
    csv_bytes,
    junk_bytes,
    pdf_bytes,
    rewrite_zip,
    xlsx_bytes,
    zip_with,
)

from .conftest import MAX_ROWS, roster, roster_file


def _students_in(db, batch_id: str) -> int:
    return db.users.count_documents({"role": "student", "batch_id": batch_id})


def _zip_bomb() -> bytes:
    # One member that inflates past the uncompressed limit from a tiny compressed size.
    return rewrite_zip(xlsx_bytes([HEADER]), add={"xl/bomb.xml": b"\0" * (101 * 1024 * 1024)})


def _macro_workbook() -> bytes:
    return rewrite_zip(
        xlsx_bytes([HEADER, ["A", "R0001", "a@example.edu", "9876543210"]]), add={"xl/vbaProject.bin": b"macro"}
    )


FILE_ERRORS = [
    ("pdf_named_csv", pdf_bytes, "students.csv", "unsupported_file_type"),
    ("binary_junk", junk_bytes, "students.csv", "unsupported_file_type"),
    (
        "undecodable",
        lambda: b"Student Name,Roll No,Email,Mobile\n\x81\x8d\x8f\x90\x9d,R1,a@b.c,1\n",
        "s.csv",
        "undecodable_text",
    ),
    ("header_only", lambda: csv_bytes([HEADER]), "students.csv", "header_only"),
    ("no_header", lambda: csv_bytes([["a", "b"], ["c", "d"]]), "students.csv", "no_header"),
    (
        "missing_columns",
        lambda: csv_bytes([["Student Name", "Roll No"], ["Asha", "R0001"]]),
        "students.csv",
        "missing_columns",
    ),
    ("zip_bomb", _zip_bomb, "students.xlsx", "zip_bomb"),
    (
        "encrypted_workbook",
        lambda: cfb_container(["EncryptionInfo", "EncryptedPackage"]),
        "students.xlsx",
        "encrypted_workbook",
    ),
    ("macro_workbook", _macro_workbook, "students.xlsm", "macro_workbook"),
    ("zip_not_a_workbook", lambda: zip_with({"readme.txt": b"hello"}), "students.xlsx", "unsupported_file_type"),
]


@pytest.mark.parametrize(
    ("data_of", "filename", "code"), [case[1:] for case in FILE_ERRORS], ids=[case[0] for case in FILE_ERRORS]
)
def test_a_file_level_problem_fails_the_job_and_writes_nothing(
    db, org, roster_worker, run_import, data_of, filename, code
):
    before = _students_in(db, org.ids["batchB"])
    job = run_import(org.headers["superadmin"], org.ids["batchB"], data_of(), filename)
    assert job["state"] == "failed", job
    assert job["error"]["code"] == code, job["error"]
    assert job["error"]["message"]
    assert _students_in(db, org.ids["batchB"]) == before
    assert roster_worker.proc.poll() is None


def test_missing_columns_name_them_in_the_details(db, org, roster_worker, run_import):
    job = run_import(
        org.headers["superadmin"], org.ids["batchB"], csv_bytes([["Student Name", "Roll No"], ["Asha", "R0001"]])
    )
    assert job["error"]["details"]["missing"] == ["email", "mobile"]


def test_a_batch_with_several_courses_needs_the_course_column(db, org, roster_worker, run_import):
    data, _prefix = roster_file(2)
    job = run_import(org.headers["superadmin"], org.ids["batchA"], data)
    assert job["state"] == "failed"
    assert job["error"]["code"] == "missing_columns"
    assert job["error"]["details"]["missing"] == ["course"]


def test_more_rows_than_the_configured_limit(db, org, roster_worker, run_import):
    data, prefix = roster_file(MAX_ROWS + 1)
    job = run_import(org.headers["superadmin"], org.ids["batchB"], data)
    assert job["state"] == "failed"
    assert job["error"]["code"] == "too_many_rows"
    assert job["error"]["details"] == {"max_rows": MAX_ROWS}
    assert db.users.count_documents({"roll_number": {"$regex": f"^{prefix}-"}}) == 0


def test_row_problems_are_row_errors_and_the_good_rows_are_imported(db, org, roster_worker, run_import, client):
    rows, _prefix = roster(4)
    rows[1][2] = "not-an-email"
    rows[2].append("extra cell")  # ragged
    rows[3][3] = "12345"
    rows.append(["", "", "", ""])  # empty rows are skipped, not errors
    job = run_import(org.headers["superadmin"], org.ids["batchB"], csv_bytes(rows))
    assert job["state"] == "succeeded", job
    assert (job["result"]["rows"], job["result"]["created"], job["result"]["failed"]) == (4, 1, 3)
    errors = client.get(job["result"]["errors_url"], headers=org.headers["superadmin"]).get_json()
    assert [(e["row"], e["column"]) for e in errors["items"]] == [(2, "E-mail"), (3, None), (4, "Mobile Number")]
    assert errors["items"][0]["value"] == "not-an-email"


def test_dates_and_formulas_in_a_workbook_are_row_errors(db, org, roster_worker, run_import, client):
    import datetime

    rows, _prefix = roster(2)
    rows[1][1] = datetime.date(2024, 1, 5)
    job = run_import(org.headers["superadmin"], org.ids["batchB"], xlsx_bytes(rows), "students.xlsx")
    assert job["state"] == "succeeded"
    assert job["result"]["failed"] == 1
    assert job["result"]["created"] == 1
    errors = client.get(job["result"]["errors_url"], headers=org.headers["superadmin"]).get_json()["items"]
    assert errors[0]["row"] == 2
    assert errors[0]["column"] == "Roll No."


def test_the_worker_is_still_serving_after_every_bad_file(org, roster_worker, run_import):
    data, _ = roster_file(1)
    job = run_import(org.headers["superadmin"], org.ids["batchB"], data)
    assert job["state"] == "succeeded"
    assert roster_worker.proc.poll() is None
