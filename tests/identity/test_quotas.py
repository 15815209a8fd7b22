"""Per-user quotas on expensive actions: a 429 in the one error format with Retry-After once a
user's quota for an action is used up, counted per user (not per address), shared by every
endpoint of the action, and set per role by the QUOTA_* settings."""

from __future__ import annotations

import io
import time
import uuid

import pytest
from bson import ObjectId

from api.quotas import QUOTAS_CONFIG
from tests.identity.conftest import error_of

SMALL = {
    "uploads": {"student": "2/hour", "admin": "3/hour", "course_admin": "1/hour"},
    "answers": {"student": "2/hour", "admin": "2/hour"},
    "scoring": {"student": "2/hour", "admin": "2/hour"},
    "rescore": {"student": "1/hour", "admin": "2/hour"},
    "reminders": {"student": "1/hour", "admin": "2/hour"},
    "exports": {"student": "1/hour", "admin": "2/hour"},
}


@pytest.fixture(autouse=True)
def small_quotas(app, monkeypatch):
    monkeypatch.setitem(app.config, QUOTAS_CONFIG, SMALL)


def _upload(client, headers):
    data = {"file": (io.BytesIO(b"%PDF-1.4 quota test"), "notes.pdf")}
    return client.post("/api/v1/uploads", headers=headers, content_type="multipart/form-data", data=data)


def assert_over_quota(resp, action: str) -> None:
    assert resp.status_code == 429, resp.get_json()
    error = error_of(resp)
    assert error["code"] == "rate_limited"
    assert action in error["message"]
    assert int(resp.headers["Retry-After"]) > 0


def test_a_student_runs_out_of_uploads_and_another_student_does_not(client, tokens):
    for n in range(2):
        assert _upload(client, tokens["student"]).status_code == 202, n
    assert_over_quota(_upload(client, tokens["student"]), "uploads")
    assert _upload(client, tokens["student_b"]).status_code == 202


def test_each_counted_request_says_what_is_left(client, tokens):
    first = _upload(client, tokens["student"])
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("2", "1")
    second = _upload(client, tokens["student"])
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(second.headers["X-RateLimit-Reset"]) - time.time() <= 3600 + 1  # an epoch second, rounded up
    over = _upload(client, tokens["student"])
    assert over.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(over.headers["Retry-After"]) <= 3600


def test_the_quota_follows_the_user_not_the_address(client, tokens):
    for n in range(2):
        resp = _upload(client, tokens["student"])
        assert resp.status_code == 202, n
    moved = client.post(
        "/api/v1/uploads",
        headers=tokens["student"],
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"%PDF-1.4 again"), "notes.pdf")},
        environ_base={"REMOTE_ADDR": "10.77.0.1"},
    )
    assert_over_quota(moved, "uploads")


def test_admins_get_the_admin_line_and_a_role_line_wins(client, tokens):
    for n in range(3):
        assert _upload(client, tokens["campus_admin"]).status_code == 202, n
    assert_over_quota(_upload(client, tokens["campus_admin"]), "uploads")
    assert _upload(client, tokens["course_admin"]).status_code == 202
    assert_over_quota(_upload(client, tokens["course_admin"]), "uploads")


def test_every_upload_endpoint_draws_on_the_same_quota(client, tokens, org):
    for n in range(3):
        assert _upload(client, tokens["superadmin"]).status_code == 202, n
    roster = client.post(
        f"/api/v1/batches/{org.ids['batchA']}/roster-imports",
        headers=tokens["superadmin"],
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"name,roll_number\nA,R1\n"), "roster.csv")},
    )
    assert_over_quota(roster, "uploads")
    items = client.post(
        "/api/v1/item-imports",
        headers=tokens["superadmin"],
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"type\n"), "items.csv")},
    )
    assert_over_quota(items, "uploads")


def test_answers_are_counted_before_the_answer_is_looked_at(client, tokens):
    path = f"/api/v1/attempts/{ObjectId()}/answers/{ObjectId()}"
    for _ in range(2):
        assert client.put(path, headers=tokens["student"], json={"text": "x"}).status_code != 429
    assert_over_quota(client.put(path, headers=tokens["student"], json={"text": "x"}), "answers")


@pytest.mark.parametrize(
    ("action", "method", "path", "body"),
    [
        ("scoring", "post", "/api/v1/scoring/written", {"item": "junk"}),
        ("rescore", "post", "/api/v1/scoring/rescore", {"junk": True}),
        ("reminders", "post", "/api/v1/tests/{missing}/reminders", None),
        ("exports", "post", "/api/v1/tests/{missing}/reports", {"anonymised": True}),
    ],
)
def test_each_expensive_action_has_its_quota(client, tokens, action, method, path, body):
    path = path.format(missing=ObjectId())
    limit = int(SMALL[action]["admin"].split("/")[0])
    for n in range(limit):
        resp = getattr(client, method)(path, headers=tokens["superadmin"], json=body)
        assert resp.status_code != 429, (n, resp.get_json())
    assert_over_quota(getattr(client, method)(path, headers=tokens["superadmin"], json=body), action)
    # Another action's counter is untouched.
    assert _upload(client, tokens["superadmin"]).status_code == 202


def test_the_defaults_parse_and_name_both_subjects(settings):
    for action, table in settings.quotas.items():
        assert {"student", "admin"} <= set(table), action


def test_a_quota_line_for_an_unknown_role_stops_start_up():
    from config.settings import ConfigError, load_settings

    env = {"APP_ENV": "test", "SECRET_KEY": "k" * 40, "MONGO_URI": "mongodb://x", "REDIS_URL": "redis://x"}
    with pytest.raises(ConfigError, match="QUOTA_UPLOADS is malformed: 'teacher' is not one of"):
        load_settings({**env, "S3_BUCKET": "b", "QUOTA_UPLOADS": f"teacher=1/hour;x{uuid.uuid4().hex[:2]}=2"})
    with pytest.raises(ConfigError, match="QUOTA_EXPORTS is malformed: give a limit for both"):
        load_settings({**env, "S3_BUCKET": "b", "QUOTA_EXPORTS": "student=1/hour"})
