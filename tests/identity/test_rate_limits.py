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


def test_failed_logins_back_off_per_account_and_address(client, org):
    login = {"login": org.users["student"]["roll_number"], "password": "wrong-password-here"}
    for _ in range(5):
        resp = client.post("/api/v1/auth/login", json=login, environ_base=_from("10.1.0.1"))
        assert resp.status_code == 401
    limited = client.post("/api/v1/auth/login", json=login, environ_base=_from("10.1.0.1"))
    assert_rate_limited(limited)
    assert int(limited.headers["Retry-After"]) <= 60  # the first step of the backoff is a minute
    # From that address even the right password waits out the backoff...
    right = {**login, "password": TEST_PASSWORD}
    assert_rate_limited(client.post("/api/v1/auth/login", json=right, environ_base=_from("10.1.0.1")))
    # ...but the owner signing in from elsewhere is not locked out by someone else's guesses.
    assert client.post("/api/v1/auth/login", json=right, environ_base=_from("10.1.0.2")).status_code == 200


def test_the_backoff_widens_to_an_hour(client, org, stack):
    login = {"login": org.users["student"]["roll_number"], "password": "wrong-password-here"}
    for _ in range(4):  # 4 x 5 failures, each minute's window let pass
        for _ in range(5):
            assert client.post("/api/v1/auth/login", json=login, environ_base=_from("10.1.1.1")).status_code == 401
        assert_rate_limited(client.post("/api/v1/auth/login", json=login, environ_base=_from("10.1.1.1")))
        _let_a_minute_pass(stack)
    limited = client.post("/api/v1/auth/login", json=login, environ_base=_from("10.1.1.1"))
    assert_rate_limited(limited)
    assert int(limited.headers["Retry-After"]) > 60  # now the hourly step


def _let_a_minute_pass(stack) -> None:
    """Drop the per-minute counters (Flask-Limiter keys end in the window), as a minute would."""
    import redis as redis_lib

    r = redis_lib.Redis.from_url(stack["redis"].url)
    for key in r.scan_iter("LIMITS*"):
        if key.endswith(b"/1/minute"):
            r.delete(key)


def test_successful_logins_do_not_count_towards_the_backoff(client, org):
    right = {"login": org.users["student"]["roll_number"], "password": TEST_PASSWORD}
    for n in range(8):
        assert client.post("/api/v1/auth/login", json=right, environ_base=_from("10.1.2.1")).status_code == 200, n


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


def _reset(client, n: int, forwarded_for: str) -> int:
    body = {"login": f"nobody{n}-{uuid.uuid4().hex[:6]}@example.edu"}
    headers = {"X-Forwarded-For": forwarded_for}
    return client.post(
        "/api/v1/auth/password-reset", json=body, headers=headers, environ_base=_from("10.9.0.1")
    ).status_code


def test_behind_a_trusted_proxy_the_limits_see_each_client(settings, stack):
    import dataclasses

    from api.app import create_app

    proxied = create_app(dataclasses.replace(settings, trusted_proxies=1)).test_client()
    for n in range(10):
        assert _reset(proxied, n, "203.0.113.7") == 202
    assert _reset(proxied, 10, "203.0.113.7") == 429
    assert _reset(proxied, 11, "203.0.113.8") == 202  # another client behind the same balancer


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client):
    for n in range(10):
        assert _reset(client, n, f"198.51.100.{n}") == 202
    assert _reset(client, 10, "198.51.100.99") == 429
