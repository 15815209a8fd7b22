"""Login, refresh, invitation accept and password reset are limited per account and per address."""

from __future__ import annotations

import uuid

from tests.conftest import TEST_PASSWORD
from tests.identity.conftest import bearer, error_of


def _from(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def assert_rate_limited(resp) -> None:
    assert resp.status_code == 429, resp.get_json()
    assert error_of(resp)["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) > 0


def test_login_is_limited_per_account_whatever_the_address(client, org):
    login = {"login": org.users["student"]["roll_number"], "password": "wrong-password-here"}
    for n in range(5):
        resp = client.post("/api/v1/auth/login", json=login, environ_base=_from(f"10.1.0.{n}"))
        assert resp.status_code == 401
    assert_rate_limited(client.post("/api/v1/auth/login", json=login, environ_base=_from("10.1.0.99")))
    # The right password does not get through either while the account is limited.
    right = {**login, "password": TEST_PASSWORD}
    assert_rate_limited(client.post("/api/v1/auth/login", json=right, environ_base=_from("10.1.0.98")))


def test_login_is_limited_per_address_across_accounts(client):
    for n in range(30):
        resp = client.post(
            "/api/v1/auth/login", json={"login": f"u{n}@example.edu", "password": "x"}, environ_base=_from("10.2.0.1")
        )
        assert resp.status_code == 401
    assert_rate_limited(
        client.post(
            "/api/v1/auth/login", json={"login": "fresh@example.edu", "password": "x"}, environ_base=_from("10.2.0.1")
        )
    )
    other_address = client.post(
        "/api/v1/auth/login", json={"login": "fresh@example.edu", "password": "x"}, environ_base=_from("10.2.0.2")
    )
    assert other_address.status_code == 401


def test_refresh_is_limited_per_account(client, org, pair_for):
    refresh_token = pair_for(org.users["course_admin_b"])["refresh_token"]
    for n in range(20):
        resp = client.post("/api/v1/auth/refresh", headers=bearer(refresh_token), environ_base=_from(f"10.3.0.{n}"))
        assert resp.status_code == 200, resp.get_json()
        refresh_token = resp.get_json()["refresh_token"]
    assert_rate_limited(
        client.post("/api/v1/auth/refresh", headers=bearer(refresh_token), environ_base=_from("10.3.0.99"))
    )


def test_invitation_accept_is_limited_per_token(client):
    body = {"token": "guessed-" + uuid.uuid4().hex, "password": "Some-Long-Password-1"}
    for n in range(5):
        resp = client.post("/api/v1/auth/invitations/accept", json=body, environ_base=_from(f"10.4.0.{n}"))
        assert resp.status_code == 400
    assert_rate_limited(client.post("/api/v1/auth/invitations/accept", json=body, environ_base=_from("10.4.0.99")))


def test_invitation_accept_is_limited_per_address(client):
    for n in range(10):
        body = {"token": f"guess-{n}-" + uuid.uuid4().hex, "password": "Some-Long-Password-1"}
        assert (
            client.post("/api/v1/auth/invitations/accept", json=body, environ_base=_from("10.5.0.1")).status_code == 400
        )
    body = {"token": "one-more-" + uuid.uuid4().hex, "password": "Some-Long-Password-1"}
    assert_rate_limited(client.post("/api/v1/auth/invitations/accept", json=body, environ_base=_from("10.5.0.1")))


def test_password_reset_is_limited_per_account(client, org):
    body = {"login": org.users["student_b"]["email"]}
    for n in range(3):
        assert (
            client.post("/api/v1/auth/password-reset", json=body, environ_base=_from(f"10.6.0.{n}")).status_code == 202
        )
    assert_rate_limited(client.post("/api/v1/auth/password-reset", json=body, environ_base=_from("10.6.0.99")))


def test_password_reset_confirm_is_limited_per_token(client):
    body = {"token": "guessed-" + uuid.uuid4().hex, "password": "Some-Long-Password-1"}
    for _ in range(5):
        assert client.post("/api/v1/auth/password-reset/confirm", json=body).status_code == 400
    assert_rate_limited(client.post("/api/v1/auth/password-reset/confirm", json=body))
