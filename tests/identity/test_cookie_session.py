"""The console's cookie session: the refresh token never reaches a script (HttpOnly cookie on
/api/v1/auth, SameSite=Strict, Secure), a refresh from the cookie needs the CSRF header, rotation
and reuse detection work as with a Bearer refresh token, and logout clears the cookies."""

from __future__ import annotations

import uuid
from http.cookies import SimpleCookie

import pytest

from tests.conftest import TEST_PASSWORD

HTTPS = "https://localhost"


@pytest.fixture
def student(make_user):
    return make_user("student", email=f"cookie.{uuid.uuid4().hex[:8]}@example.edu")


def _login(client, student, **extra):
    return client.post(
        "/api/v1/auth/login",
        json={"login": student["email"], "password": TEST_PASSWORD, **extra},
        base_url=HTTPS,
    )


def _set_cookies(resp) -> dict[str, SimpleCookie]:
    found = {}
    for header in resp.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        found.update(dict.fromkeys(cookie, cookie))
    return found


def test_a_cookie_session_keeps_the_refresh_token_out_of_the_body(client, student):
    resp = _login(client, student, session="cookie")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["access_token"]
    assert "refresh_token" not in body
    cookies = _set_cookies(resp)
    refresh = cookies["aiv_refresh"]["aiv_refresh"]
    assert refresh["httponly"]
    assert refresh["secure"]
    assert refresh["samesite"] == "Strict"
    assert refresh["path"] == "/api/v1/auth"
    csrf = cookies["aiv_csrf"]["aiv_csrf"]
    assert not csrf["httponly"]  # the page reads it to send it back as a header
    assert csrf["path"] == "/"


def test_a_cookie_refresh_needs_the_csrf_header_and_rotates(client, student):
    _login(client, student, session="cookie")
    csrf = client.get_cookie("aiv_csrf", domain="localhost").value
    refused = client.post("/api/v1/auth/refresh", base_url=HTTPS)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "csrf_failed"
    old_cookie = client.get_cookie("aiv_refresh", domain="localhost", path="/api/v1/auth").value
    fresh = client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": csrf}, base_url=HTTPS)
    assert fresh.status_code == 200, fresh.get_json()
    assert "refresh_token" not in fresh.get_json()
    new_cookie = client.get_cookie("aiv_refresh", domain="localhost", path="/api/v1/auth").value
    assert new_cookie != old_cookie
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh.get_json()['access_token']}"})
    assert me.status_code == 200
    # The old cookie again (replayed): the whole sign-in is revoked.
    client.delete_cookie("aiv_refresh", domain="localhost", path="/api/v1/auth")
    client.set_cookie("aiv_refresh", old_cookie, domain="localhost", path="/api/v1/auth")
    replayed = client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": csrf}, base_url=HTTPS)  # its own csrf
    assert replayed.status_code == 401
    assert replayed.get_json()["error"]["code"] == "token_reused"


def test_a_wrong_csrf_value_is_refused(client, student):
    _login(client, student, session="cookie")
    resp = client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": "not-the-value"}, base_url=HTTPS)
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (403, "csrf_failed")


def test_logout_clears_the_cookies_and_the_session(client, student):
    access = _login(client, student, session="cookie").get_json()["access_token"]
    csrf = client.get_cookie("aiv_csrf", domain="localhost").value
    out = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {access}"}, base_url=HTTPS)
    assert out.status_code == 204
    cleared = _set_cookies(out)
    assert cleared["aiv_refresh"]["aiv_refresh"].value == ""
    assert client.get_cookie("aiv_refresh", domain="localhost", path="/api/v1/auth") is None
    again = client.post("/api/v1/auth/refresh", headers={"X-CSRF-Token": csrf}, base_url=HTTPS)
    assert again.status_code == 401


def test_a_body_session_is_unchanged_for_other_clients(client, student):
    resp = _login(client, student)
    assert resp.get_json()["refresh_token"]
    assert not resp.headers.getlist("Set-Cookie")
