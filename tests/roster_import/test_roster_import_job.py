"""Roster imports end to end: API -> S3 -> job -> real worker -> students, errors and invitations."""

from __future__ import annotations

from tests.roster.builders import csv_bytes

from .conftest import invitations_queued, roster, roster_file, students_with_prefix


def test_a_csv_import_creates_students_in_the_batch_and_invites_them(db, org, roster_worker, run_import, client):
    data, prefix = roster_file(5, course="BTech ECE")
    job = run_import(org.headers["campus_admin"], org.ids["batchA"], data)
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert {k: result[k] for k in ("rows", "created", "updated", "skipped", "failed", "dry_run")} == {
        "rows": 5,
        "created": 5,
        "updated": 0,
        "skipped": 0,
        "failed": 0,
        "dry_run": False,
    }
    assert result["errors_url"] == f"/api/v1/roster-imports/{result['import_id']}/errors"
    students = students_with_prefix(db, prefix)
    assert len(students) == 5
    for student in students:
        assert student["role"] == "student"
        assert student["active"] is True
        assert "password_hash" not in student
        assert (student["batch_id"], student["course_id"], student["campus_id"]) == (
            org.ids["batchA"],
            org.ids["courseA2"],
            org.ids["campusA"],
        )
        assert student["mobile"].startswith("+91")
        assert len(student["invitation"]["token_hash"]) == 64
        assert student["roster_import"]["id"] == result["import_id"]
    # one email and one SMS invitation per new student, queued in the outbox (not one task per row)
    invitations_queued(db, result["import_id"])
    ids = [str(student["_id"]) for student in students]
    messages = list(db.notifications.find({"recipient.user_id": {"$in": ids}, "kind": "invitation"}))
    assert sorted(m["channel"] for m in messages) == ["email"] * 5 + ["sms"] * 5
    # the original file is kept in S3 with the import record
    record = db.roster_imports.find_one({"_id": __import__("bson").ObjectId(result["import_id"])})
    from store import files

    assert files.read_all(record["file"]["key"]) == data
    assert record["file"]["key"].startswith(f"imports/{org.ids['batchA']}/{result['import_id']}/")
    assert record["counts"]["created"] == 5
    # the import is in the audit trail: who uploaded what, and what it did
    (created,) = db.audit.find({"action": "roster_import.created", "target_id": result["import_id"]})
    assert created["actor_id"] == str(org.users["campus_admin"]["_id"])
    assert created["details"]["batch_id"] == org.ids["batchA"]
    (finished,) = db.audit.find({"action": "roster_import.finished", "target_id": result["import_id"]})
    assert finished["details"]["created"] == 5
    assert finished["job_id"] == job["id"]


def test_reimporting_the_same_file_skips_and_a_changed_row_updates(db, org, roster_worker, run_import):
    rows, prefix = roster(4, course="BTech CSE")
    first = run_import(org.headers["superadmin"], org.ids["batchA"], csv_bytes(rows))
    assert first["result"]["created"] == 4
    again = run_import(org.headers["superadmin"], org.ids["batchA"], csv_bytes(rows))
    assert (again["result"]["created"], again["result"]["updated"], again["result"]["skipped"]) == (0, 0, 4)
    rows[2][0] = "Renamed Student"
    rows[3][4] = "BTech ECE"
    changed = run_import(org.headers["superadmin"], org.ids["batchA"], csv_bytes(rows), send_invitations=False)
    assert (changed["result"]["created"], changed["result"]["updated"], changed["result"]["skipped"]) == (0, 2, 2)
    by_roll = {s["roll_number"]: s for s in students_with_prefix(db, prefix)}
    assert by_roll[rows[2][1]]["name"] == "Renamed Student"
    assert by_roll[rows[3][1]]["course_id"] == org.ids["courseA2"]
    assert len(by_roll) == 4
