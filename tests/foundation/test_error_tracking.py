"""Sentry: an unexpected error in a view and in a job reaches the (stand-in) ingest endpoint,
tagged with the request or job id, environment and release, with no email, mobile or token in it.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import TYPE_CHECKING

import pytest
import sentry_sdk

from api.access import public
from api.app import create_app
from devstack.fake_sentry import FakeSentry
from store import jobs
from tasks.publish import submit
from tests.conftest import WorkerProcess
from tests.support.job_tasks import LEAKS

if TYPE_CHECKING:
    from flask import Response

pytestmark = pytest.mark.functional


@pytest.fixture
def sentry():
    server = FakeSentry().start()
    yield server
    sentry_sdk.init(dsn=None)  # this test process sends nothing more
    server.stop()


def wait_for_events(server: FakeSentry, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.events():
            return server.events()
        time.sleep(0.1)
    raise AssertionError(f"no event reached the stand-in; bodies: {server.bodies()[:2]}")


def assert_nothing_personal(server: FakeSentry) -> None:
    sent = b"\n".join(server.bodies()).decode()
    for name, value in LEAKS.items():
        assert value not in sent, name
    assert "inv-secret" not in sent
    assert "priya" not in sent


def test_an_error_in_a_view_reaches_sentry_tagged_and_masked(settings, sentry):
    app = create_app(dataclasses.replace(settings, sentry_dsn=sentry.dsn, sentry_release="test-release"))

    @public
    def broken() -> Response:
        raise RuntimeError(f"view failed for {LEAKS['email']} {LEAKS['mobile']} {LEAKS['link']}")

    app.add_url_rule("/broken-for-sentry", view_func=broken, methods=["POST"])
    resp = app.test_client().post(
        "/broken-for-sentry",
        json={"email": LEAKS["email"], "password": "Correct-Horse-9", "note": LEAKS["jwt"]},
        headers={"Authorization": f"Bearer {LEAKS['jwt']}", "X-Request-ID": "req-sentry-1"},
    )
    assert resp.status_code == 500
    assert resp.get_json()["error"]["code"] == "internal_error"
    sentry_sdk.flush()
    (event,) = wait_for_events(sentry)
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["tags"]["component"] == "api"
    assert (event["environment"], event["release"]) == ("test", "test-release")
    assert "p***@example.edu" in json.dumps(event)
    assert_nothing_personal(sentry)


def test_an_error_in_a_job_reaches_sentry_with_its_job_id_and_masked(db, tmp_path, sentry, wait_for_job):
    worker = WorkerProcess(tmp_path, env={"SENTRY_DSN": sentry.dsn, "SENTRY_RELEASE": "test-release"}).start()
    try:
        job = submit(db, jobs.NewJob(kind="test_leaky_bug", owner_id="sentry-test", params={}, total=1))
        failed = wait_for_job(job["_id"])
        events = wait_for_events(sentry)
    finally:
        worker.stop()
    assert failed["state"] == "failed"
    assert failed["error"]["code"] == "internal_error"
    (event,) = [event for event in events if event.get("tags", {}).get("job_id") == str(job["_id"])]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert (event["tags"]["component"], event["release"]) == ("celery", "test-release")
    assert_nothing_personal(sentry)


def test_without_a_dsn_nothing_is_initialised(settings):
    from observability.errors import init_error_tracking

    assert init_error_tracking(settings.sentry_dsn, environment="test", release="", component="api") is False
    assert settings.sentry_dsn == ""


def test_a_request_id_travels_with_the_tasks_it_caused_to_the_brevo_call(client, make_user, tmp_path):
    from devstack.fake_brevo import EMAIL_PATH, FakeBrevo

    user = make_user(role="campus_admin", email=f"reset.{time.time_ns()}@example.edu")
    brevo = FakeBrevo(api_key="trace-key").start()
    env = {"NOTIFY_BACKEND": "brevo", "BREVO_API_KEY": "trace-key", "BREVO_API_HOST": brevo.base_url}
    worker = WorkerProcess(tmp_path, env=env).start()
    try:
        resp = client.post(
            "/api/v1/auth/password-reset", json={"login": user["email"]}, headers={"X-Request-ID": "req-trace-7"}
        )
        assert resp.status_code == 202, resp.get_json()
        deadline = time.monotonic() + 60
        while not brevo.calls_to(EMAIL_PATH) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
        brevo.stop()
    (call,) = brevo.calls_to(EMAIL_PATH)
    headers = {name.lower(): value for name, value in call.headers.items()}
    assert headers["x-request-id"] == "req-trace-7"  # API -> reset task -> dispatch task -> Brevo
    assert "x-job-id" not in headers  # no job was involved


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail priya.sharma@example.edu now", "mail p***@example.edu now"),
        ("call +919876543210", "call ***10"),
        ("bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2ln-X_y", "bearer [jwt]"),
        ("https://x/accept?token=abc123&next=1", "https://x/accept?token=***&next=1"),
    ],
)
def test_logs_and_events_mask_personal_data_and_tokens(text, masked):
    from observability.logs import mask_personal

    assert mask_personal(text) == masked
