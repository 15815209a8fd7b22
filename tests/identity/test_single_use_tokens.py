"""Invitations and password resets: hashed, single-use, expiring; no password is ever generated."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest

from tests.conftest import TEST_PASSWORD, raw_token
from tests.identity.conftest import bearer, error_of, take_reset_requests

CHOSEN = "Quiet-Harbour-Maple-77"


def _latest_request(db, user_id, kind: str) -> dict:
    return db.notifications.find_one(
        {"recipient.user_id": str(user_id), "kind": kind, "channel": "email"}, sort=[("_id", -1)]
    )


@pytest.fixture
def invited_student(client, db, org, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    roll = f"IN{uuid.uuid4().hex[:8]}".upper()
    resp = client.post(
        "/api/v1/students",
        headers=tokens["superadmin"],
        json={
            "name": "Asha Invited",
            "roll_number": roll,
            "email": f"asha.{roll.lower()}@example.edu",
            "mobile": "+91 98765 43210",
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA1"],
        },
    )
    assert resp.status_code == 201, resp.get_json()
    student = resp.get_json()
    raw = raw_token(_latest_request(db, student["id"], "invitation"))
    return student, raw


def test_new_account_gets_a_hashed_invitation_and_no_password(db, invited_student, caplog):
    from security.tokens import token_digest

    student, raw = invited_student
    stored = db.users.find_one({"roll_number": student["roll_number"]})
    assert "password_hash" not in stored
    assert stored["invitation"]["token_hash"] == token_digest(raw)
    assert raw not in str(stored)
    assert student["invitation_pending"] is True
    assert student["mobile"] == "+919876543210"
    assert raw not in caplog.text
    assert raw not in str(list(db.audit.find({"target_id": student["id"]})))


def test_invitation_accept_signs_in_once(client, invited_student):
    student, raw = invited_student
    resp = client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": CHOSEN})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["user"]["id"] == student["id"]
    assert body["access_token"]
    assert body["refresh_token"]
    again = client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": CHOSEN + "x"})
    assert again.status_code == 400
    assert error_of(again)["code"] == "invalid_token"
    login = client.post("/api/v1/auth/login", json={"login": student["roll_number"], "password": CHOSEN})
    assert login.status_code == 200


def test_an_expired_invitation_is_refused(client, db, invited_student):
    from store.jobs import utcnow

    student, raw = invited_student
    db.users.update_one(
        {"roll_number": student["roll_number"]}, {"$set": {"invitation.expires_at": utcnow() - timedelta(seconds=1)}}
    )
    resp = client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": CHOSEN})
    assert resp.status_code == 400
    assert error_of(resp)["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1A", "at least 10"),
        ("password123", "too common"),
        ("Qwerty@2024", "too common"),
        ("asha-the-great-1", "name, email or roll number"),
    ],
)
def test_invitation_password_must_meet_the_policy(client, invited_student, password, reason):
    _, raw = invited_student
    resp = client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": password})
    assert resp.status_code == 422
    assert any(reason in message for message in error_of(resp)["details"]["password"])
    # A refused password does not use up the invitation.
    assert client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": CHOSEN}).status_code == 200


def test_password_containing_the_roll_number_is_refused(client, invited_student):
    student, raw = invited_student
    resp = client.post(
        "/api/v1/auth/invitations/accept", json={"token": raw, "password": f"my-{student['roll_number'].lower()}-pass"}
    )
    assert resp.status_code == 422


def test_password_reset_answers_alike_whether_or_not_the_account_exists(client, db, org, stack):
    """Same status and body, and the same work in the API (one queued request, no lookup), so
    neither the answer nor its time tells whether the account exists."""
    before = db.notifications.count_documents({})
    take_reset_requests(stack["redis"].url)
    answers = {
        login: client.post("/api/v1/auth/password-reset", json={"login": login})
        for login in ("nobody-at-all@example.edu", org.users["student"]["email"])
    }
    assert {resp.status_code for resp in answers.values()} == {202}
    assert {resp.get_data(as_text=True) for resp in answers.values()} == {'{"status":"accepted"}\n'}
    assert db.notifications.count_documents({}) == before  # nothing looked up or written yet
    assert sorted(take_reset_requests(stack["redis"].url)) == sorted(
        ["nobody-at-all@example.edu", org.users["student"]["email"].lower()]
    )


def test_the_worker_sends_a_reset_only_to_an_active_account(db, org):
    from services import invitations

    assert invitations.request_password_reset(db, "nobody-at-all@example.edu") is None
    token = invitations.request_password_reset(db, org.users["student"]["roll_number"].lower())
    assert token is not None
    assert raw_token(_latest_request(db, org.users["student"]["_id"], "password_reset")) == token.raw


@pytest.fixture
def reset_user(db):
    from security.passwords import hash_password
    from store import users

    return users.create(
        db,
        {
            "name": "Reset Person",
            "email": f"reset.{uuid.uuid4().hex[:8]}@example.edu",
            "role": "course_admin",
            "password_hash": hash_password(TEST_PASSWORD),
        },
    )


def test_password_reset_is_single_use_and_revokes_earlier_tokens(client, db, reset_user, pair_for, request_reset):
    old_pair = pair_for(reset_user)
    assert request_reset(reset_user["email"]).status_code == 202
    raw = raw_token(_latest_request(db, reset_user["_id"], "password_reset"))
    assert raw not in str(db.users.find_one({"_id": reset_user["_id"]}))
    done = client.post("/api/v1/auth/password-reset/confirm", json={"token": raw, "password": CHOSEN})
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=bearer(old_pair["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/login", json={"login": reset_user["email"], "password": CHOSEN}).status_code == 200
    again = client.post("/api/v1/auth/password-reset/confirm", json={"token": raw, "password": CHOSEN + "!"})
    assert again.status_code == 400
    assert error_of(again)["code"] == "invalid_token"


def test_only_the_newest_reset_token_works_and_it_expires(client, db, reset_user, request_reset):
    from store.jobs import utcnow

    for _ in range(2):
        request_reset(reset_user["email"])
    older, newer = [
        raw_token(r)
        for r in db.notifications.find({"recipient.user_id": str(reset_user["_id"]), "kind": "password_reset"}).sort(
            [("_id", 1)]
        )
    ]
    assert (
        client.post("/api/v1/auth/password-reset/confirm", json={"token": older, "password": CHOSEN}).status_code == 400
    )
    db.users.update_one(
        {"_id": reset_user["_id"]}, {"$set": {"password_reset.expires_at": utcnow() - timedelta(seconds=1)}}
    )
    assert (
        client.post("/api/v1/auth/password-reset/confirm", json={"token": newer, "password": CHOSEN}).status_code == 400
    )


def test_a_new_email_or_mobile_voids_earlier_links_and_invites_the_new_address(client, db, tokens, invited_student):
    student, raw = invited_student
    new_email = f"new.{uuid.uuid4().hex[:6]}@example.edu"
    resp = client.patch(f"/api/v1/students/{student['id']}", json={"email": new_email}, headers=tokens["superadmin"])
    assert resp.status_code == 200, resp.get_json()
    old_link = client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": CHOSEN})
    assert old_link.status_code == 400
    assert error_of(old_link)["code"] == "invalid_token"
    fresh = _latest_request(db, student["id"], "invitation")
    assert fresh["recipient"]["email"] == new_email
    assert raw_token(fresh) != raw
    audit = db.audit.find_one({"target_id": student["id"], "action": "student.single_use_tokens_revoked"})
    assert audit is not None
    assert audit["after"]["email"] == new_email
    accepted = client.post("/api/v1/auth/invitations/accept", json={"token": raw_token(fresh), "password": CHOSEN})
    assert accepted.status_code == 200


def test_a_reset_link_stops_working_when_the_mobile_changes(client, db, tokens, invited_student, request_reset):
    student, raw = invited_student
    client.post("/api/v1/auth/invitations/accept", json={"token": raw, "password": CHOSEN})
    request_reset(student["roll_number"])
    reset = raw_token(_latest_request(db, student["id"], "password_reset"))
    client.patch(f"/api/v1/students/{student['id']}", json={"mobile": "+91 91234 56780"}, headers=tokens["superadmin"])
    used = client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": reset, "password": "Another-Quiet-Pond-12"}
    )
    assert used.status_code == 400
    assert raw_token(_latest_request(db, student["id"], "invitation")) == raw  # no new invitation: signed up


def test_a_reset_request_with_the_broker_down_is_503_for_everyone(client, org, monkeypatch):
    from api.identity import auth

    def broker_down(_login: str) -> None:
        raise ConnectionError

    monkeypatch.setattr(auth, "hand_over_reset_request", broker_down)
    for login in ("nobody-at-all@example.edu", org.users["student"]["email"]):
        resp = client.post("/api/v1/auth/password-reset", json={"login": login})
        assert resp.status_code == 503
        assert error_of(resp)["code"] == "unavailable"
