"""The audit trail: every security event and bulk operation is appended (who, what, from where,
in which request), security events are also logged for alerting, superadmins read and export it,
and nothing in the API changes a record."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_PASSWORD
from tests.identity.conftest import bearer, error_of


def _from(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def _records(db, action: str, **query) -> list[dict]:
    return list(db.audit.find({"action": action, **query}).sort("_id", 1))


def _security_lines(caplog, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "security" and getattr(r, "security_event", None) == event]


@pytest.fixture
def person(db):
    from security.passwords import hash_password
    from store import users

    suffix = uuid.uuid4().hex[:8]
    return users.create(
        db,
        {
            "name": "Audit Person",
            "email": f"audit.{suffix}@example.edu",
            "role": "student",
            "roll_number": f"AU{suffix}".upper(),
            "password_hash": hash_password(TEST_PASSWORD),
        },
    )


def test_sign_ins_are_recorded_with_the_reason_a_failure_had(client, db, person, caplog):
    caplog.set_level(logging.INFO)
    bad_password = {"login": person["email"], "password": "not-it-at-all"}
    wrong = client.post("/api/v1/auth/login", json=bad_password, environ_base=_from("10.8.0.1"))
    unknown = client.post(
        "/api/v1/auth/login", json={"login": "ghost@example.edu", "password": "x"}, environ_base=_from("10.8.0.2")
    )
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)  # the caller hears the same; the trail knows why
    ok = client.post("/api/v1/auth/login", json={"login": person["email"], "password": TEST_PASSWORD})
    assert ok.status_code == 200

    (failed,) = _records(db, "auth.login_failed", target_id=str(person["_id"]))
    assert failed["details"]["reason"] == "wrong_password"
    assert failed["source"] == "10.8.0.1"
    assert failed["actor_id"] is None
    assert failed["request_id"] == wrong.headers["X-Request-ID"]
    ghost = _records(db, "auth.login_failed", **{"details.login": "g***@e***.edu"})
    assert [r["details"]["reason"] for r in ghost][-1:] == ["unknown_login"]
    (signed_in,) = _records(db, "auth.login", target_id=str(person["_id"]))
    assert signed_in["actor_id"] == str(person["_id"])
    everything = str(list(db.audit.find({"target_id": str(person["_id"])})))
    assert TEST_PASSWORD not in everything
    assert "not-it-at-all" not in everything
    assert person["email"] not in str([*ghost, failed])
    line = _security_lines(caplog, "auth.login_failed")[0]
    assert line.levelno == logging.WARNING
    assert line.source == "10.8.0.1"


def test_logout_refresh_reuse_and_password_change_are_recorded(client, db, person, pair_for, caplog):
    caplog.set_level(logging.INFO)
    first = pair_for(person)
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(first["refresh_token"])).get_json()
    assert client.post("/api/v1/auth/refresh", headers=bearer(first["refresh_token"])).status_code == 401
    (reused,) = _records(db, "auth.refresh_token_reused", target_id=str(person["_id"]))
    assert reused["actor_id"] == str(person["_id"])
    assert _security_lines(caplog, "auth.refresh_token_reused")
    second = pair_for(person)
    assert client.post("/api/v1/auth/logout", headers=bearer(second["access_token"])).status_code == 204
    assert _records(db, "auth.logout", target_id=str(person["_id"]))
    changed = client.post(
        "/api/v1/me/password",
        headers=bearer(pair_for(person)["access_token"]),
        json={"current_password": TEST_PASSWORD, "new_password": "Velvet-Lantern-Orbit-42"},
    )
    assert changed.status_code == 200
    assert _records(db, "auth.password_changed", target_id=str(person["_id"]))
    assert renewed["access_token"] not in str(list(db.audit.find({"target_id": str(person["_id"])})))


def test_invitations_and_resets_are_recorded_from_issue_to_use(client, db, org, tokens, request_reset):
    from tests.conftest import raw_token

    roll = f"AI{uuid.uuid4().hex[:8]}".upper()
    created = client.post(
        "/api/v1/students",
        headers=tokens["superadmin"],
        json={
            "name": "Audit Invitee",
            "roll_number": roll,
            "email": f"{roll.lower()}@example.edu",
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA1"],
        },
    ).get_json()
    (issued,) = _records(db, "invitation.issued", target_id=created["id"])
    assert issued["actor_id"] == str(org.users["superadmin"]["_id"])
    message = db.notifications.find_one({"recipient.user_id": created["id"], "channel": "email"})
    accepted = client.post(
        "/api/v1/auth/invitations/accept", json={"token": raw_token(message), "password": "Quiet-Harbour-Maple-77"}
    )
    assert accepted.status_code == 200
    assert _records(db, "invitation.accepted", target_id=created["id"])[0]["actor_id"] == created["id"]

    request_reset(roll)
    request_reset("nobody-here@example.edu")
    (requested,) = _records(db, "auth.password_reset_requested", target_id=created["id"])
    assert requested["details"]["sent"] is True
    assert _records(db, "password_reset.issued", target_id=created["id"])
    unknown = _records(db, "auth.password_reset_requested", **{"details.login": "n***@e***.edu"})
    assert unknown[-1]["details"]["sent"] is False
    reset = db.notifications.find_one(
        {"recipient.user_id": created["id"], "kind": "password_reset", "channel": "email"}
    )
    done = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": raw_token(reset), "password": "Another-Quiet-Pond-12"}
    )
    assert done.status_code == 204
    assert _records(db, "auth.password_reset_completed", target_id=created["id"])


def test_a_change_of_role_or_permissions_is_a_security_event(client, db, org, tokens, caplog):
    caplog.set_level(logging.INFO)
    suffix = uuid.uuid4().hex[:6]
    admin = client.post(
        "/api/v1/admins",
        headers=tokens["superadmin"],
        json={
            "name": "Audit Admin",
            "email": f"audit.admin.{suffix}@example.edu",
            "role": "sub_superadmin",
            "permission_template": "read_only",
        },
    ).get_json()
    resp = client.patch(
        f"/api/v1/admins/{admin['id']}", headers=tokens["superadmin"], json={"permission_template": "student_manager"}
    )
    assert resp.status_code == 200, resp.get_json()
    (changed,) = _records(db, "admin.authority_changed", target_id=admin["id"])
    assert changed["before"]["permission_template"] == "read_only"
    assert changed["after"]["permission_template"] == "student_manager"
    assert _security_lines(caplog, "admin.authority_changed")


def test_sign_in_limits_reached_are_recorded(client, db, person):
    login = {"login": person["email"], "password": "wrong-password-here"}
    for _ in range(6):
        client.post("/api/v1/auth/login", json=login, environ_base=_from("10.8.1.1"))
    limited = _records(db, "auth.rate_limited", source="10.8.1.1")
    assert limited
    assert limited[-1]["target_id"] == "auth.login"
    assert "minute" in limited[-1]["details"]["limit"]


def test_a_burst_of_forbidden_answers_is_recorded_once(client, db, org, tokens, caplog):
    caplog.set_level(logging.INFO)
    student = str(org.users["student"]["_id"])
    before = len(_records(db, "access.forbidden_burst", actor_id=student))
    for _ in range(12):
        assert client.get("/api/v1/admins", headers=tokens["student"]).status_code == 403
    bursts = _records(db, "access.forbidden_burst", actor_id=student)
    assert len(bursts) == before + 1
    assert bursts[-1]["details"]["forbidden"] == 10
    assert _security_lines(caplog, "access.forbidden_burst")


def test_uploads_and_job_cancels_are_recorded(client, db, tokens):
    resp = client.post(
        "/api/v1/uploads",
        headers=tokens["superadmin"],
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"%PDF-1.4 audit"), "minutes.pdf")},
    )
    job_id = resp.get_json()["id"]
    (uploaded,) = _records(db, "upload.created", target_id=job_id)
    assert uploaded["details"] == {"filename": "minutes.pdf", "size": 14, "content_type": "application/pdf"}
    assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=tokens["superadmin"]).status_code == 200
    (cancelled,) = _records(db, "job.cancel", target_id=job_id)
    assert cancelled["details"] == {"kind": "upload"}


def test_superadmins_read_the_trail_with_filters(client, db, org, tokens):
    from services import audit

    marker = uuid.uuid4().hex
    actor = org.users["campus_admin"]
    for n in range(3):
        audit.record(db, f"test.marked_{n}", target_type="probe", target_id=marker, actor=actor)
    headers = tokens["superadmin"]
    page = client.get("/api/v1/audit", headers=headers, query_string={"target_id": marker, "per_page": 2}).get_json()
    assert page["total"] == 3
    assert [item["action"] for item in page["items"]] == ["test.marked_2", "test.marked_1"]  # newest first
    prefix = client.get("/api/v1/audit", headers=headers, query_string={"target_id": marker, "action": "test."})
    assert prefix.get_json()["total"] == 3
    exact = client.get("/api/v1/audit", headers=headers, query_string={"target_id": marker, "action": "test.marked_1"})
    assert exact.get_json()["total"] == 1
    by_actor = {"actor_id": str(actor["_id"]), "target_id": marker}
    mine = client.get("/api/v1/audit", headers=headers, query_string=by_actor)
    assert mine.get_json()["total"] == 3
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert (
        client.get("/api/v1/audit", headers=headers, query_string={"target_id": marker, "since": later}).get_json()[
            "total"
        ]
        == 0
    )
    for who in ("reader", "campus_admin", "student"):
        assert client.get("/api/v1/audit", headers=tokens[who]).status_code == 403, who


def test_the_trail_is_append_only_from_the_api(app):
    from store import audit

    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/audit")]
    methods = {method for rule in routes for method in rule.methods} - {"HEAD", "OPTIONS"}
    assert methods == {"GET", "POST"}
    assert {rule.rule for rule in routes if "POST" in rule.methods} == {"/api/v1/audit/exports"}
    public = [name for name in dir(audit) if not name.startswith("_")]
    assert not [name for name in public if any(verb in name for verb in ("update", "delete", "remove", "replace"))]


def test_an_export_is_a_csv_of_the_filtered_trail(client, db, org, tokens, start_worker, poll_job):
    import csv
    import urllib.request

    from services import audit

    start_worker()
    marker = uuid.uuid4().hex
    audit.record(db, "test.export_probe", target_type="probe", target_id=marker, details={"note": "first"})
    audit.record(db, "test.export_probe", target_type="probe", target_id=marker, actor=org.users["superadmin"])
    audit.record(db, "test.export_probe", target_type="probe", target_id="=HYPERLINK(1)", details={"m": marker})
    resp = client.post("/api/v1/audit/exports", headers=tokens["superadmin"], json={"target_id": marker})
    assert resp.status_code == 202, resp.get_json()
    job = poll_job(tokens["superadmin"], resp.headers["Location"])
    assert job["state"] == "succeeded", job
    assert job["result"]["rows"] == 2
    with urllib.request.urlopen(job["result"]["download_url"]) as download:
        text = download.read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["target_id"] for row in rows] == [marker, marker]
    assert rows[0]["actor_id"] == str(org.users["superadmin"]["_id"])
    assert rows[1]["details"] == '{"note": "first"}'
    assert _records(db, "audit.export_requested", target_id=job["id"])
    probes = {"action": "test.export_probe"}
    everything = client.post("/api/v1/audit/exports", headers=tokens["superadmin"], json=probes)
    done = poll_job(tokens["superadmin"], everything.headers["Location"])
    with urllib.request.urlopen(done["result"]["download_url"]) as download:
        cells = {row["target_id"] for row in csv.DictReader(io.StringIO(download.read().decode("utf-8-sig")))}
    assert "'=HYPERLINK(1)" in cells  # a formula is neutralised
    assert client.post("/api/v1/audit/exports", headers=tokens["campus_admin"], json={}).status_code == 403
    bad = client.post("/api/v1/audit/exports", headers=tokens["superadmin"], json={"since": "yesterday"})
    assert bad.status_code == 422
