"""Refresh rotation, reuse detection, and the ways tokens stop working."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import TEST_PASSWORD
from tests.identity.conftest import bearer, error_of

NEW_PASSWORD = "Velvet-Lantern-Orbit-42"


@pytest.fixture(scope="module")
def person(db):
    """One student account (argon2 hashing once per module)."""
    from security.passwords import hash_password
    from store import users

    suffix = uuid.uuid4().hex[:8]
    return users.create(
        db,
        {
            "name": "Token Tester",
            "email": f"tokens.{suffix}@example.edu",
            "role": "student",
            "roll_number": f"TK{suffix}",
            "password_hash": hash_password(TEST_PASSWORD),
        },
    )


def _me(client, access_token: str) -> int:
    return client.get("/api/v1/me", headers=bearer(access_token)).status_code


def _refresh(client, refresh_token: str):
    return client.post("/api/v1/auth/refresh", headers=bearer(refresh_token))


def test_login_by_roll_number_and_email_give_the_same_account(client, person):
    by_roll = client.post(
        "/api/v1/auth/login", json={"login": person["roll_number"].lower(), "password": TEST_PASSWORD}
    )
    by_email = client.post("/api/v1/auth/login", json={"login": person["email"].upper(), "password": TEST_PASSWORD})
    assert by_roll.status_code == by_email.status_code == 200
    assert by_roll.get_json()["user"]["id"] == by_email.get_json()["user"]["id"] == str(person["_id"])
    assert by_roll.get_json()["token_type"] == "Bearer"


def test_unknown_login_and_wrong_password_answer_alike(client, person):
    unknown = client.post("/api/v1/auth/login", json={"login": "nobody@example.edu", "password": TEST_PASSWORD})
    wrong = client.post("/api/v1/auth/login", json={"login": person["email"], "password": "not-the-password"})
    assert unknown.status_code == wrong.status_code == 401
    assert error_of(unknown) == error_of(wrong)


def test_refresh_rotates_and_the_old_refresh_token_stops_working(client, person, pair_for):
    first = pair_for(person)
    resp = _refresh(client, first["refresh_token"])
    assert resp.status_code == 200, resp.get_json()
    second = resp.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert _me(client, second["access_token"]) == 200
    third = _refresh(client, second["refresh_token"])
    assert third.status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(client, person, pair_for):
    first = pair_for(person)
    second = _refresh(client, first["refresh_token"]).get_json()
    reused = _refresh(client, first["refresh_token"])
    assert reused.status_code == 401
    assert error_of(reused)["code"] == "token_reused"
    # Everything issued in that sign-in is dead now: the newer refresh token and its access token.
    assert _refresh(client, second["refresh_token"]).status_code == 401
    assert _me(client, second["access_token"]) == 401
    assert _me(client, first["access_token"]) == 401


def test_other_sign_ins_survive_a_revoked_family(client, person, pair_for):
    stolen, other_device = pair_for(person), pair_for(person)
    _refresh(client, stolen["refresh_token"])
    _refresh(client, stolen["refresh_token"])
    assert _me(client, other_device["access_token"]) == 200
    assert _refresh(client, other_device["refresh_token"]).status_code == 200


def test_an_access_token_cannot_refresh_and_a_refresh_token_cannot_call_the_api(client, person, pair_for):
    pair = pair_for(person)
    assert _refresh(client, pair["access_token"]).status_code == 401
    assert _me(client, pair["refresh_token"]) == 401


def test_logout_revokes_access_and_refresh_tokens(client, person, pair_for):
    pair = pair_for(person)
    resp = client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"]))
    assert resp.status_code == 204
    assert _me(client, pair["access_token"]) == 401
    assert _refresh(client, pair["refresh_token"]).status_code == 401


def test_deactivation_kills_tokens_and_login(client, db, org, tokens, pair_for):
    from security.passwords import hash_password
    from store import users

    student = users.create(
        db,
        {
            "name": "Leaving Student",
            "role": "student",
            "roll_number": f"LV{uuid.uuid4().hex[:8]}",
            "campus_id": org.ids["campusA"],
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA1"],
            "password_hash": hash_password(TEST_PASSWORD),
        },
    )
    pair = pair_for(student)
    resp = client.patch(f"/api/v1/students/{student['_id']}", json={"active": False}, headers=tokens["campus_admin"])
    assert resp.status_code == 200
    assert resp.get_json()["active"] is False
    assert _me(client, pair["access_token"]) == 401
    assert _refresh(client, pair["refresh_token"]).status_code == 401
    login = client.post("/api/v1/auth/login", json={"login": student["roll_number"], "password": TEST_PASSWORD})
    assert login.status_code == 401
    users.update(db, student["_id"], {"active": True})
    assert _me(client, pair["access_token"]) == 401  # reactivating does not revive old tokens


def test_password_change_kills_earlier_tokens(client, person, pair_for, db):
    from security.passwords import hash_password
    from store import users

    before = pair_for(person)
    resp = client.post(
        "/api/v1/me/password",
        headers=bearer(before["access_token"]),
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert resp.status_code == 200, resp.get_json()
    after = resp.get_json()
    assert _me(client, before["access_token"]) == 401
    assert _refresh(client, before["refresh_token"]).status_code == 401
    assert _me(client, after["access_token"]) == 200
    users.update(db, person["_id"], {"password_hash": hash_password(TEST_PASSWORD)})


def test_password_change_needs_the_current_password_and_a_good_new_one(client, person, pair_for):
    header = bearer(pair_for(person)["access_token"])
    wrong = client.post(
        "/api/v1/me/password", headers=header, json={"current_password": "nope-nope-nope", "new_password": NEW_PASSWORD}
    )
    weak = client.post(
        "/api/v1/me/password", headers=header, json={"current_password": TEST_PASSWORD, "new_password": "password123"}
    )
    assert wrong.status_code == weak.status_code == 422
    assert "current_password" in error_of(wrong)["details"]
    assert "new_password" in error_of(weak)["details"]


def test_role_change_kills_the_admins_tokens(client, db, org, tokens, pair_for):
    from store import users

    admin = users.create(
        db,
        {
            "name": "Promoted Person",
            "email": f"promo.{uuid.uuid4().hex[:8]}@example.edu",
            "role": "course_admin",
            "campus_id": org.ids["campusA"],
            "course_ids": [org.ids["courseA1"]],
        },
    )
    pair = pair_for(admin)
    assert _me(client, pair["access_token"]) == 200
    resp = client.patch(f"/api/v1/admins/{admin['_id']}", json={"role": "campus_admin"}, headers=tokens["superadmin"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["role"] == "campus_admin"
    assert resp.get_json()["course_ids"] == []
    assert _me(client, pair["access_token"]) == 401
    renamed = client.patch(f"/api/v1/admins/{admin['_id']}", json={"name": "Same Powers"}, headers=tokens["superadmin"])
    assert renamed.status_code == 200
    fresh = pair_for(users.get(db, admin["_id"]))
    assert _me(client, fresh["access_token"]) == 200  # a name change revokes nothing
    users.delete(db, admin["_id"])


@pytest.fixture
def short_sessions(monkeypatch, settings):
    """SESSION_MAX_SECONDS of 15 minutes, and a clock the test can move for the sign-in."""
    import dataclasses
    import time

    from api.identity import tokens as token_module

    short = dataclasses.replace(settings, session_max_seconds=900)
    monkeypatch.setattr(token_module, "get_settings", lambda: short)
    clock = {"offset": 0}
    monkeypatch.setattr(token_module, "_now", lambda: int(time.time()) + clock["offset"])
    return clock


def _claims(app, token: str) -> dict:
    from flask_jwt_extended import decode_token

    with app.app_context():
        return decode_token(token)


def test_a_session_ends_at_its_maximum_age_however_often_it_was_refreshed(
    app, client, person, pair_for, short_sessions
):
    short_sessions["offset"] = -1000  # signed in 1000 s ago, with sessions of 900 s
    pair = pair_for(person)
    short_sessions["offset"] = 0
    refused = _refresh(client, pair["refresh_token"])
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "session_expired"
    assert _me(client, pair["access_token"]) == 401  # the whole sign-in is over


def test_tokens_issued_near_the_end_expire_with_the_session(app, client, person, pair_for, short_sessions):
    short_sessions["offset"] = -800  # 100 s of the session left
    pair = pair_for(person)
    signed_in_at = _claims(app, pair["refresh_token"])["sat"]
    short_sessions["offset"] = 0
    resp = _refresh(client, pair["refresh_token"])
    assert resp.status_code == 200, resp.get_json()
    renewed = resp.get_json()
    assert renewed["expires_in"] <= 100
    for token in (renewed["access_token"], renewed["refresh_token"]):
        claims = _claims(app, token)
        assert claims["sat"] == signed_in_at  # rotation keeps the sign-in time
        assert claims["exp"] <= signed_in_at + 900
