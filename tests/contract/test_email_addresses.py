"""An email address the spec allows (`format: email`, at most 254 characters) is accepted, special-use
domains (RFC 6761: .local, .test, .invalid, ...) included: the server accepts back every address it
holds, the development superadmin's admin@aiversant.local among them."""

from __future__ import annotations

import uuid

import pytest

from schemas.fields import EmailAddress

SPECIAL_USE = ["dev@aiversant.local", "x@school.test", "x@host.invalid", "x@a.localhost", "x@b.onion", "x@c.home.arpa"]


@pytest.mark.parametrize("address", SPECIAL_USE)
def test_a_special_use_domain_is_an_email_address(address):
    assert EmailAddress().deserialize(address.upper()) == address


def test_the_development_superadmin_can_be_saved_back_unchanged(db, client, make_user, auth_header):
    from security.passwords import hash_password
    from store import users

    email = f"admin.{uuid.uuid4().hex[:8]}@aiversant.local"
    assert users.ensure_superadmin(db, email, hash_password("dev-admin-password-1"))
    headers = auth_header(make_user("superadmin"))
    listed = client.get("/api/v1/admins", headers=headers, query_string={"q": email}).get_json()["items"]
    (admin,) = listed
    unchanged = {name: admin[name] for name in ("name", "email", "role", "active")}
    resp = client.patch(f"/api/v1/admins/{admin['id']}", headers=headers, json=unchanged)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["email"] == email
