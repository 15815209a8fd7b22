"""A worker killed with SIGKILL in the middle of an import: the restarted job imports every row once."""

from __future__ import annotations

from bson import ObjectId

from store import jobs

from .conftest import CHUNK_ROWS, invitations_queued, roster_file, students_with_prefix, wait_until

ROWS = 3000
BEAT = ["-B", "--schedule"]


def test_kill_9_mid_import_then_restart_gives_exact_counts_and_no_duplicates(
    db, org, start_roster_worker, upload, wait_for_job, tmp_path
):
    worker = start_roster_worker()
    data, prefix = roster_file(ROWS)
    resp = upload(org.headers["superadmin"], org.ids["batchB"], data)
    assert resp.status_code == 202
    job_id = ObjectId(resp.get_json()["id"])

    def mid_import() -> dict | None:
        job = jobs.get(db, job_id)
        return job if job["state"] == "running" and job["progress"]["done"] >= 3 * CHUNK_ROWS else None

    running = wait_until(mid_import, timeout=120, step=0.02)
    worker.kill()
    killed = jobs.get(db, job_id)
    assert killed["state"] == "running", "the import finished before the kill; it must be killed mid-way"
    assert killed["progress"]["done"] < ROWS
    assert running["progress"]["total"] == ROWS
    written_before_restart = len(students_with_prefix(db, prefix))
    assert 0 < written_before_restart < ROWS

    start_roster_worker([*BEAT, str(tmp_path / "beat-schedule")])
    done = wait_for_job(job_id, timeout=240)
    assert done["state"] == "succeeded", done
    assert done["deliveries"] == 2
    result = done["result"]
    assert (result["rows"], result["created"], result["updated"], result["skipped"], result["failed"]) == (
        ROWS,
        ROWS,
        0,
        0,
        0,
    )
    students = students_with_prefix(db, prefix)
    assert len(students) == ROWS
    assert len({s["roll_number"] for s in students}) == ROWS
    assert {s["created_by_import"] for s in students} == {result["import_id"]}
    # every new student has exactly one invitation (email + SMS), matching the token on the account
    invitations_queued(db, result["import_id"])
    ids = [str(s["_id"]) for s in students]
    messages = list(
        db.notifications.find(
            {"recipient.user_id": {"$in": ids}, "kind": "invitation"},
            {"recipient.user_id": 1, "channel": 1, "subject_entity": 1},
        )
    )
    assert len(messages) == 2 * ROWS
    subject_of = {s["_id"]: f"invitation:{s['invitation']['token_hash'][:16]}" for s in students}
    assert all(m["subject_entity"] == subject_of[ObjectId(m["recipient"]["user_id"])] for m in messages)
    assert db.roster_import_errors.count_documents({"import_id": ObjectId(result["import_id"])}) == 0
