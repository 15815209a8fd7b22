"""Reports (CSV and XLSX, anonymised with a stable pseudonym) and what job results a student may read."""

from __future__ import annotations

import csv
import io
import urllib.request

from bson import ObjectId
from openpyxl import load_workbook

from store import jobs
from tests.assessment.conftest import wait_until


def _report(client, org, test_id: str, **body) -> bytes:
    headers = org.headers["campus_admin"]
    resp = client.post(f"/api/v1/tests/{test_id}/reports", json=body, headers=headers)
    assert resp.status_code == 202, resp.get_json()
    done = wait_until(
        lambda: (
            (b := client.get(resp.headers["Location"], headers=headers).get_json())["state"] in ("succeeded", "failed")
            and b
        )
    )
    assert done["state"] == "succeeded", done
    with urllib.request.urlopen(done["result"]["download_url"]) as download:
        return download.read()


def _assigned_test(client, org, make_item, make_test) -> dict:
    test = make_test([{"item_ids": [make_item("mcq")["id"]]}])
    client.post(
        f"/api/v1/tests/{test['id']}/assignments",
        json={"batch_ids": [org.ids["batch"]]},
        headers=org.headers["campus_admin"],
    )
    return test


def test_anonymised_reports_name_no_one_and_keep_the_same_pseudonym(client, org, worker, make_item, make_test):
    test = _assigned_test(client, org, make_item, make_test)
    first = list(csv.DictReader(io.StringIO(_report(client, org, test["id"], anonymised=True).decode("utf-8-sig"))))
    second = list(csv.DictReader(io.StringIO(_report(client, org, test["id"], anonymised=True).decode("utf-8-sig"))))
    assert len(first) == 2
    assert {row["pseudonym"] for row in first} == {row["pseudonym"] for row in second}
    assert not {"roll_number", "name", "email"} & set(first[0])
    text = _report(client, org, test["id"], anonymised=True).decode("utf-8-sig")
    for student in ("student_1", "student_2"):
        user = org.users[student]
        for value in (user["name"], user["email"], user["roll_number"], str(user["_id"])):
            assert value not in text


def test_an_xlsx_report_lists_every_assigned_student(client, org, worker, make_item, make_test):
    test = _assigned_test(client, org, make_item, make_test)
    sheet = load_workbook(io.BytesIO(_report(client, org, test["id"], format="xlsx")), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:5] == ("roll_number", "name", "email", "batch", "state")
    assert {row[0] for row in body} == {org.users["student_1"]["roll_number"], org.users["student_2"]["roll_number"]}
    assert {row[4] for row in body} == {"not_started"}


def test_a_student_never_reads_a_scoring_jobs_result(client, org, db):
    """Scoring job results carry the expected text and accepted answers: a student who owns one
    (however it came to be) reads its state, never its result."""
    job = jobs.create(db, jobs.NewJob(kind="spoken_score", owner_id=org.ids["student_1"], params={}), queue="scoring")
    jobs.finish(
        db,
        ObjectId(job["_id"]),
        "succeeded",
        result={"expected_text": "secret sentence", "accepted_answers": ["secret"]},
    )
    seen = client.get(f"/api/v1/jobs/{job['_id']}", headers=org.headers["student_1"]).get_json()
    assert seen["state"] == "succeeded"
    assert seen["result"] is None
    listed = client.get("/api/v1/jobs", headers=org.headers["student_1"]).get_json()
    assert "secret" not in str(listed)
