"""Roster import API: options, encodings, duplicates, dry runs, scoping, the errors endpoints, the list."""

from __future__ import annotations

import csv
import io

import pytest
from bson import ObjectId

from tests.roster.builders import csv_bytes, xlsx_bytes

from .conftest import roster, roster_file, students_with_prefix


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ";"),
        ("utf-16", "\t"),
        ("cp1252", ","),
    ],
)
def test_each_encoding_and_delimiter_imports_through_the_job(db, org, roster_worker, run_import, encoding, delimiter):
    rows, prefix = roster(3)
    rows[1][0] = "Zoë Fernández"
    job = run_import(
        org.headers["superadmin"], org.ids["batchB"], csv_bytes(rows, encoding=encoding, delimiter=delimiter)
    )
    assert job["state"] == "succeeded", job
    assert (job["result"]["created"], job["result"]["failed"]) == (3, 0)
    names = {s["name"] for s in students_with_prefix(db, prefix)}
    assert "Zoë Fernández" in names


def test_a_named_sheet_of_a_workbook(db, org, roster_worker, run_import):
    rows, _prefix = roster(2)

    def add_sheet(workbook):
        sheet = workbook.create_sheet("Students")
        for row in rows:
            sheet.append(row)

    data = xlsx_bytes([["Notes"], ["nothing here"]], title="Cover", build=add_sheet)
    job = run_import(org.headers["superadmin"], org.ids["batchB"], data, "roster.xlsx", sheet="students")
    assert job["state"] == "succeeded", job
    assert job["result"]["created"] == 2
    missing = run_import(org.headers["superadmin"], org.ids["batchB"], data, "roster.xlsx", sheet="Nope")
    assert missing["error"]["code"] == "sheet_not_found"


def test_a_dry_run_reports_everything_and_writes_nothing(db, org, roster_worker, run_import, client):
    rows, prefix = roster(5)
    rows[5][2] = "broken@"
    messages_before = db.notifications.count_documents({})
    job = run_import(org.headers["superadmin"], org.ids["batchB"], csv_bytes(rows), dry_run=True)
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["dry_run"] is True
    assert (result["rows"], result["created"], result["updated"], result["skipped"], result["failed"]) == (
        5,
        4,
        0,
        0,
        1,
    )
    assert students_with_prefix(db, prefix) == []
    assert db.notifications.count_documents({}) == messages_before
    errors = client.get(result["errors_url"], headers=org.headers["superadmin"]).get_json()
    assert errors["total"] == 1
    assert errors["items"][0]["row"] == 6


def test_duplicates_inside_the_file_and_against_stored_students(db, org, roster_worker, run_import, client):
    stored, _stored_prefix = roster(1)
    assert run_import(org.headers["superadmin"], org.ids["batchB"], csv_bytes(stored))["result"]["created"] == 1
    rows, prefix = roster(3)
    rows[2][1] = rows[1][1]  # same roll number as row 2
    rows[3][2] = stored[1][2]  # email of a stored student with another roll number
    job = run_import(org.headers["superadmin"], org.ids["batchB"], csv_bytes(rows))
    assert (job["result"]["created"], job["result"]["failed"]) == (1, 2)
    errors = client.get(job["result"]["errors_url"], headers=org.headers["superadmin"]).get_json()["items"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "Roll No."), (4, "E-mail")]
    assert errors[0]["message"] == "Duplicate roll number: the same as row 2."
    assert errors[1]["message"] == f"This email already belongs to the student with roll number {stored[1][1]}."
    assert len(students_with_prefix(db, prefix)) == 1


def test_a_student_of_another_batch_is_not_moved_by_an_import(db, org, roster_worker, run_import, client):
    rows, prefix = roster(1)
    assert run_import(org.headers["superadmin"], org.ids["batchB"], csv_bytes(rows))["result"]["created"] == 1
    moved = [rows[0] + ["Course"], rows[1] + ["BTech CSE"]]
    for dry_run in (True, False):  # a dry run says no more about the holder than the import
        job = run_import(org.headers["superadmin"], org.ids["batchA"], csv_bytes(moved), dry_run=dry_run)
        assert (job["result"]["created"], job["result"]["updated"], job["result"]["failed"]) == (0, 0, 1)
        error = client.get(job["result"]["errors_url"], headers=org.headers["superadmin"]).get_json()["items"][0]
        assert error["message"] == "This roll number cannot be used."  # taken, but not whose or where
    assert students_with_prefix(db, prefix)[0]["batch_id"] == org.ids["batchB"]


def test_scoping_a_campus_admin_cannot_import_into_another_campus(db, org, roster_worker, upload):
    data, prefix = roster_file(1)
    resp = upload(org.headers["campus_admin"], org.ids["batchB"], data)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
    assert upload(org.headers["campus_admin"], "0" * 24, data).status_code == 404
    assert upload(org.headers["campus_admin"], "not-an-id", data).status_code == 404
    assert upload(org.headers["student"], org.ids["batchA"], data).status_code == 403
    assert upload({}, org.ids["batchA"], data).status_code == 401
    assert students_with_prefix(db, prefix) == []


def test_a_course_admin_imports_only_into_their_course(db, org, roster_worker, run_import, client):
    rows, _prefix = roster(2, course="BTech CSE")
    rows[2][4] = "BTech ECE"  # a course of the batch, but not this admin's
    job = run_import(org.headers["course_admin"], org.ids["batchA"], csv_bytes(rows))
    assert (job["result"]["created"], job["result"]["failed"]) == (1, 1)
    error = client.get(job["result"]["errors_url"], headers=org.headers["course_admin"]).get_json()["items"][0]
    assert error["column"] == "Course"
    assert error["message"].startswith("Unknown course for this batch")


def test_the_view_refuses_what_it_can_see_at_once(org, client, upload, settings):
    headers = org.headers["superadmin"]
    url = f"/api/v1/batches/{org.ids['batchA']}/roster-imports"
    not_multipart = client.post(url, headers=headers, json={"file": "x"})
    assert not_multipart.status_code == 415
    no_file = client.post(url, headers=headers, data={"dry_run": "true"}, content_type="multipart/form-data")
    assert no_file.status_code == 422
    assert "file" in no_file.get_json()["error"]["details"]
    empty = upload(headers, org.ids["batchA"], b"")
    assert empty.status_code == 400
    assert empty.get_json()["error"]["code"] == "empty_file"
    too_big = upload(headers, org.ids["batchA"], b"a" * (settings.roster_max_bytes + 1))
    assert too_big.status_code == 413
    bad_option = upload(headers, org.ids["batchA"], b"x", dry_run="perhaps")
    assert bad_option.status_code == 422


def test_the_errors_csv_neutralises_formula_cells(db, org, roster_worker, run_import, client):
    rows, _prefix = roster(2)
    rows[1][0] = '=HYPERLINK("http://evil.example","x")'
    rows[2][3] = "+1 (555) CALL-NOW"
    job = run_import(org.headers["campus_admin_b"], org.ids["batchB"], csv_bytes(rows))
    assert job["result"]["failed"] == 2
    resp = client.get(f"{job['result']['errors_url']}.csv", headers=org.headers["campus_admin_b"])
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"), newline="")))
    assert lines[0] == ["row", "column", "value", "message"]
    assert lines[1][:3] == ["2", "Student Name", '\'=HYPERLINK("http://evil.example","x")']
    assert lines[2][:3] == ["3", "Mobile Number", "'+1 (555) CALL-NOW"]
    # another campus's admin sees neither the errors nor the CSV
    assert client.get(job["result"]["errors_url"], headers=org.headers["campus_admin"]).status_code == 404
    assert client.get(f"{job['result']['errors_url']}.csv", headers=org.headers["campus_admin"]).status_code == 404


def test_the_errors_list_is_paginated(db, org, roster_worker, run_import, client):
    rows, _prefix = roster(7)
    for row in rows[1:]:
        row[2] = "nope"
    job = run_import(org.headers["superadmin"], org.ids["batchB"], csv_bytes(rows), dry_run=True)
    url = job["result"]["errors_url"]
    page = client.get(f"{url}?page=2&per_page=3", headers=org.headers["superadmin"]).get_json()
    assert (page["total"], page["page"], page["per_page"]) == (7, 2, 3)
    assert [e["row"] for e in page["items"]] == [5, 6, 7]
    assert set(page["items"][0]) == {"row", "column", "value", "message"}
    assert client.get(f"{url}?per_page=500", headers=org.headers["superadmin"]).status_code == 422
    assert (
        client.get(
            "/api/v1/roster-imports/0123456789abcdef01234567/errors", headers=org.headers["superadmin"]
        ).status_code
        == 404
    )


def test_past_imports_of_a_batch_are_listed_with_state_and_counts(db, org, roster_worker, run_import, client):
    headers = org.headers["campus_admin_b"]
    good, _ = roster_file(2)
    first = run_import(headers, org.ids["batchB"], good, dry_run=True)
    second = run_import(headers, org.ids["batchB"], b"%PDF-1.4 not a roster", "x.csv")
    listing = client.get(f"/api/v1/batches/{org.ids['batchB']}/roster-imports?per_page=2", headers=headers).get_json()
    assert listing["total"] >= 2
    newest, older = listing["items"]
    assert (newest["state"], newest["error"]["code"]) == ("failed", "unsupported_file_type")
    assert newest["job_id"] == second["id"]
    assert (older["state"], older["dry_run"], older["counts"]["created"]) == ("succeeded", True, 2)
    assert older["id"] == first["result"]["import_id"]
    assert older["file"]["filename"] == "students.csv"
    one = client.get(f"/api/v1/roster-imports/{older['id']}", headers=headers).get_json()
    assert one["counts"] == older["counts"]
    assert (
        client.get(
            f"/api/v1/batches/{org.ids['batchB']}/roster-imports", headers=org.headers["campus_admin"]
        ).status_code
        == 404
    )


def test_a_batch_id_in_upper_case_is_stored_in_its_one_spelling(db, org, roster_worker, run_import):
    rows, prefix = roster(1)
    job = run_import(org.headers["superadmin"], org.ids["batchB"].upper(), csv_bytes(rows))
    assert job["state"] == "succeeded", job
    record = db.roster_imports.find_one({"_id": ObjectId(job["result"]["import_id"])})
    assert record["batch_id"] == org.ids["batchB"]
    assert {s["batch_id"] for s in students_with_prefix(db, prefix)} == {org.ids["batchB"]}


def test_no_course_the_caller_may_use_is_refused_not_widened(db, org, upload):
    from store import batches

    empty = batches.create(db, {"name": f"No courses {ObjectId()}", "campus_id": org.ids["campusA"], "course_ids": []})
    data, prefix = roster_file(1)
    resp = upload(org.headers["superadmin"], str(empty["_id"]), data)
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "no_courses"
    assert db.roster_imports.count_documents({"batch_id": str(empty["_id"])}) == 0
    assert students_with_prefix(db, prefix) == []


def test_an_import_record_with_no_courses_places_nobody(db, org):
    """The engine reads an empty course list as none, never as all of the batch's courses."""
    from jobs.roster.importer import ImportOptions, run_import
    from store import files, roster_imports
    from workers.errors import WorkError
    from workers.roster.limits import RosterLimits

    data, prefix = roster_file(2, course="BTech CSE")
    import_id = ObjectId()
    key = roster_imports.file_key(org.ids["batchA"], str(import_id), "students.csv")
    files.put_stream(key, io.BytesIO(data))
    new = roster_imports.NewImport(
        import_id=import_id,
        job_id=ObjectId(),
        batch_id=org.ids["batchA"],
        campus_id=org.ids["campusA"],
        owner_id="tester",
        course_ids=[],
        file_key=key,
        filename="students.csv",
        size=len(data),
        dry_run=False,
        send_invitations=False,
    )
    roster_imports.create(db, new)
    with pytest.raises(WorkError) as failure:
        run_import(db, import_id, ImportOptions(limits=RosterLimits()), lambda *_progress: None)
    assert failure.value.code == "no_courses"
    assert students_with_prefix(db, prefix) == []
