"""Password hashing at a class's scale: argon2id with OWASP's parameters, old hashes re-hashed on
the next sign-in, and a bounded number of hashes at once per process (503 with Retry-After past it)."""

from __future__ import annotations

import threading
import types
import uuid

import pytest
from argon2 import PasswordHasher

from tests.conftest import TEST_PASSWORD

OLD_DEFAULTS = PasswordHasher()  # argon2-cffi's defaults: 3 passes, 64 MiB, 4 lanes


@pytest.mark.unit
def test_new_hashes_use_the_chosen_parameters():
    from security.passwords import hash_password, needs_rehash, verify_password

    made = hash_password(TEST_PASSWORD)
    assert made.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(made, TEST_PASSWORD)
    assert not needs_rehash(made)
    old = OLD_DEFAULTS.hash(TEST_PASSWORD)
    assert verify_password(old, TEST_PASSWORD)  # earlier hashes keep working
    assert needs_rehash(old)


def test_a_sign_in_rehashes_an_old_hash(client, db, make_user):
    from store import users

    email = f"rehash.{uuid.uuid4().hex[:8]}@example.edu"
    person = make_user("student", email=email, password_hash=OLD_DEFAULTS.hash(TEST_PASSWORD))
    resp = client.post("/api/v1/auth/login", json={"login": email, "password": TEST_PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    stored = users.get(db, person["_id"])["password_hash"]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    again = client.post("/api/v1/auth/login", json={"login": email, "password": TEST_PASSWORD})
    assert again.status_code == 200
    wrong = client.post("/api/v1/auth/login", json={"login": email, "password": "Not-The-Password-1"})
    assert wrong.status_code == 401
    assert users.get(db, person["_id"])["password_hash"] == stored  # a failed sign-in changes nothing


def test_past_the_processs_hashing_slots_a_sign_in_waits_then_gets_503(client, make_user, monkeypatch):
    from api.identity import hashing

    email = f"busy.{uuid.uuid4().hex[:8]}@example.edu"
    make_user("student", email=email)
    monkeypatch.setattr(hashing, "_slots", threading.BoundedSemaphore(1))
    monkeypatch.setattr(
        hashing, "get_settings", lambda: types.SimpleNamespace(password_concurrency=1, password_wait_seconds=0.2)
    )
    body = {"login": email, "password": TEST_PASSWORD}
    with hashing.password_slot():  # another request holds the only slot
        busy = client.post("/api/v1/auth/login", json=body)
    assert busy.status_code == 503
    assert busy.get_json()["error"]["code"] == "busy"
    assert int(busy.headers["Retry-After"]) >= 1
    assert client.post("/api/v1/auth/login", json=body).status_code == 200  # the slot is free again
