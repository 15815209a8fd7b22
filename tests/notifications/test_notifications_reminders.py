"""Test reminders: who gets one, one per student/test/day, the daily run and the
"send reminders now" job (through a real worker), and suppression of opted-out students."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from bson import ObjectId

from jobs.notifications.reminders import remind_open_tests, remind_test
from store import notifications as outbox
from store import preferences
from store.notifications import utcnow
from tests.notifications.helpers import make_student, wait_until


def _test_doc(org, campus="A", *, opens=-1, closes=2, **fields) -> dict:
    now = utcnow()
    return {
        "_id": ObjectId(),
        "title": f"Unit {uuid.uuid4().hex[:4]}",
        "campus_id": org.ids[f"campus{campus}"],
        "window_start": now + timedelta(days=opens),
        "window_end": now + timedelta(days=closes),
        "batch_ids": [org.ids[f"batch{campus}"]],
        "student_ids": [],
        "active": True,
        **fields,
    }


def _reminders(db, test_id) -> list[dict]:
    return list(
        db[outbox.COLLECTION].find({"kind": "test_reminder", "subject_entity": {"$regex": f"^test:{test_id}:"}})
    )


@pytest.fixture
def cohort(db, notify_org):
    """A test open now for batch A: one student who started, one inactive, one named directly
    from batch B, two who have not started (one with a mobile)."""
    waiting = make_student(db, notify_org, "A")
    with_mobile = make_student(db, notify_org, "A", mobile="+919876500002")
    started = make_student(db, notify_org, "A")
    inactive = make_student(db, notify_org, "A", active=False)
    named = make_student(db, notify_org, "B")
    test = _test_doc(notify_org, student_ids=[str(named["_id"])])
    db.tests.insert_one(test)
    db.attempts.insert_one({"test_id": str(test["_id"]), "student_id": str(started["_id"])})
    return {
        "test": test,
        "waiting": waiting,
        "with_mobile": with_mobile,
        "started": started,
        "inactive": inactive,
        "named": named,
    }


def test_students_without_an_attempt_get_one_reminder_per_channel(db, cohort):
    summary = remind_test(db, cohort["test"])
    assert summary.students == 3
    assert summary.created == 4
    docs = _reminders(db, cohort["test"]["_id"])
    by_user: dict[str, list[str]] = {}
    for doc in docs:
        by_user.setdefault(doc["recipient"]["user_id"], []).append(doc["channel"])
    assert {user: sorted(channels) for user, channels in by_user.items()} == {
        str(cohort["waiting"]["_id"]): ["email"],
        str(cohort["named"]["_id"]): ["email"],
        str(cohort["with_mobile"]["_id"]): ["email", "sms"],
    }
    doc = docs[0]
    assert doc["params"]["test_name"] == cohort["test"]["title"]
    assert doc["params"]["test_url"].endswith(f"/tests/{cohort['test']['_id']}")
    assert doc["scope"]["campus_id"] == cohort["test"]["campus_id"]


def test_reminders_are_idempotent_per_student_test_and_day(db, cohort):
    now = utcnow()
    first = remind_test(db, cohort["test"], now)
    again = remind_test(db, cohort["test"], now)
    remind_open_tests(db, now)  # the daily run on the same day adds nothing for this test
    assert first.created == 4
    assert again.created == 0
    assert again.messages == 4
    assert len(_reminders(db, cohort["test"]["_id"])) == 4
    tomorrow = remind_test(db, cohort["test"], now + timedelta(days=1))
    assert tomorrow.created == 4
    assert len(_reminders(db, cohort["test"]["_id"])) == 8
    subjects = {doc["subject_entity"] for doc in _reminders(db, cohort["test"]["_id"])}
    assert subjects == {f"test:{cohort['test']['_id']}:{day:%Y-%m-%d}" for day in (now, now + timedelta(days=1))}


def test_closed_inactive_and_future_tests_send_nothing(db, notify_org):
    make_student(db, notify_org, "A")
    for test in (
        _test_doc(notify_org, opens=-3, closes=-1),
        _test_doc(notify_org, active=False),
        _test_doc(notify_org, opens=1, closes=3),
    ):
        db.tests.insert_one(test)
        assert remind_test(db, test).tests == 0
        remind_open_tests(db)
        assert _reminders(db, test["_id"]) == []


def test_send_reminders_now_runs_as_a_job_and_records_suppression(
    client, db, auth_header, notify_org, cohort, start_notify_worker, wait_for_job
):
    preferences.set_opt_out(db, str(cohort["waiting"]["_id"]), kind="test_reminder")
    start_notify_worker("outbox")
    headers = auth_header(notify_org.users["campus_admin"])
    resp = client.post(f"/api/v1/tests/{cohort['test']['_id']}/reminders", headers=headers)
    assert resp.status_code == 202, resp.get_json()
    assert resp.headers["Location"] == f"/api/v1/jobs/{resp.get_json()['id']}"
    # Read the job from the store, not over HTTP: on the nx-27017 stand-in (make test runs this
    # folder on it too) job times written by $set come back as text and the job body breaks.
    job = wait_for_job(resp.get_json()["id"])
    assert job["state"] == "succeeded", job
    assert job["kind"] == "test_reminders"
    assert job["result"]["students"] == 3
    assert job["result"]["created"] == 4

    def settled():
        docs = _reminders(db, cohort["test"]["_id"])
        return docs if all(d["state"] in outbox.FINAL_STATES for d in docs) else None

    docs = wait_until(settled, message="reminders settled")
    states = {(d["recipient"]["user_id"], d["channel"]): (d["state"], d["suppressed_reason"]) for d in docs}
    assert states[(str(cohort["waiting"]["_id"]), "email")] == ("suppressed", "user_opted_out")
    assert states[(str(cohort["named"]["_id"]), "email")] == ("sent", None)
    assert states[(str(cohort["with_mobile"]["_id"]), "sms")] == ("sent", None)

    again = client.post(f"/api/v1/tests/{cohort['test']['_id']}/reminders", headers=headers)
    job = wait_for_job(again.get_json()["id"])
    assert job["state"] == "succeeded"
    assert job["result"]["created"] == 0
    assert len(_reminders(db, cohort["test"]["_id"])) == 4


def test_send_reminders_now_checks_access_scope_and_window(client, db, auth_header, notify_org):
    campus_b_test, closed = _test_doc(notify_org, "B"), _test_doc(notify_org, opens=-3, closes=-1)
    db.tests.insert_many([campus_b_test, closed])
    campus_admin = auth_header(notify_org.users["campus_admin"])
    post = lambda test_id, headers: client.post(f"/api/v1/tests/{test_id}/reminders", headers=headers)  # noqa: E731
    assert post(campus_b_test["_id"], campus_admin).status_code == 404
    assert post(ObjectId(), campus_admin).status_code == 404
    assert post("not-an-id", campus_admin).status_code == 404
    refused = post(closed["_id"], campus_admin)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "test_not_open"
    assert post(campus_b_test["_id"], auth_header(notify_org.users["course_admin"])).status_code == 403
    assert post(campus_b_test["_id"], {}).status_code == 401
