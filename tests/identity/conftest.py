"""A small organisation shared by the identity tests, and accounts for every role.

Two campuses (A, B); courses A1, A2 in A and B1 in B; batch A spans A1 and A2, batch B spans B1;
student sA (batch A, course A1) and sB (batch B, course B1). Accounts are created once per module
(argon2 hashing is slow) with names made unique so modules do not collide.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest

from tests.conftest import TEST_PASSWORD


@dataclass
class Org:
    ids: dict[str, str] = field(default_factory=dict)  # campusA, courseA1, batchA, studentA ...
    users: dict[str, dict] = field(default_factory=dict)  # role key -> user document
    suffix: str = ""


def _id(doc: dict) -> str:
    return str(doc["_id"])


@pytest.fixture(scope="module")
def org(db) -> Org:
    from domain.access import TEMPLATES
    from security.passwords import hash_password
    from store import batches, campuses, courses, users

    suffix = uuid.uuid4().hex[:8]
    password_hash = hash_password(TEST_PASSWORD)
    o = Org(suffix=suffix)
    campus_a = campuses.create(db, {"name": f"Campus A {suffix}"})
    campus_b = campuses.create(db, {"name": f"Campus B {suffix}"})
    a1 = courses.create(db, {"name": "A1", "campus_id": _id(campus_a)})
    a2 = courses.create(db, {"name": "A2", "campus_id": _id(campus_a)})
    b1 = courses.create(db, {"name": "B1", "campus_id": _id(campus_b)})
    batch_a = batches.create(db, {"name": "Batch A", "campus_id": _id(campus_a), "course_ids": [_id(a1), _id(a2)]})
    batch_b = batches.create(db, {"name": "Batch B", "campus_id": _id(campus_b), "course_ids": [_id(b1)]})
    o.ids.update(
        campusA=_id(campus_a),
        campusB=_id(campus_b),
        courseA1=_id(a1),
        courseA2=_id(a2),
        courseB1=_id(b1),
        batchA=_id(batch_a),
        batchB=_id(batch_b),
    )

    def account(key: str, role: str, **extra) -> dict:
        doc = {
            "name": f"{key} person",
            "email": f"{key.lower()}.{suffix}@example.edu",
            "role": role,
            "password_hash": password_hash,
            **extra,
        }
        o.users[key] = users.create(db, doc)
        return o.users[key]

    account("superadmin", "superadmin")
    account("reader", "sub_superadmin", permissions=TEMPLATES["read_only"], permission_template="read_only")
    account(
        "student_manager",
        "sub_superadmin",
        permissions=TEMPLATES["student_manager"],
        permission_template="student_manager",
    )
    account("campus_admin", "campus_admin", campus_id=o.ids["campusA"])
    account("course_admin", "course_admin", campus_id=o.ids["campusA"], course_ids=[o.ids["courseA1"]])
    account("course_admin_b", "course_admin", campus_id=o.ids["campusB"], course_ids=[o.ids["courseB1"]])
    student_a = account(
        "student",
        "student",
        roll_number=f"RA{suffix}",
        campus_id=o.ids["campusA"],
        batch_id=o.ids["batchA"],
        course_id=o.ids["courseA1"],
    )
    student_b = account(
        "student_b",
        "student",
        roll_number=f"RB{suffix}",
        campus_id=o.ids["campusB"],
        batch_id=o.ids["batchB"],
        course_id=o.ids["courseB1"],
    )
    o.ids.update(
        studentA=_id(student_a),
        studentB=_id(student_b),
        adminA=_id(o.users["course_admin"]),
        adminB=_id(o.users["course_admin_b"]),
    )
    return o


@pytest.fixture(scope="module")
def tokens(app, db, org):
    """role key -> Authorization header, minted directly (no login, so no login rate limit)."""
    from api.identity.tokens import issue_tokens

    with app.app_context():
        return {
            key: {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"} for key, user in org.users.items()
        }


@pytest.fixture
def pair_for(app, db):
    """A fresh access + refresh pair (a new token family) for the user as currently stored."""
    from api.identity.tokens import issue_tokens
    from store import users

    def issue(user: dict) -> dict:
        with app.app_context():
            return issue_tokens(users.get(db, user["_id"]))

    return issue


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def error_of(resp) -> dict:
    body = resp.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def take_reset_requests(redis_url: str) -> list[str]:
    """The logins of the password-reset requests the API queued for a notifications worker,
    taken off the queue (these tests run no worker; the pipeline tests do)."""
    import base64
    import json

    import redis as redis_lib

    from domain.jobkinds import PASSWORD_RESET_TASK, PLAIN_TASKS

    queue = PLAIN_TASKS[PASSWORD_RESET_TASK]
    r = redis_lib.Redis.from_url(redis_url)
    logins = []
    for raw in r.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message["headers"].get("task") == PASSWORD_RESET_TASK and r.lrem(queue, 1, raw):
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            logins.append(args[0])
    return logins


@pytest.fixture
def request_reset(client, db, stack):
    """POST a reset request, then do with the queued request what a notifications worker does."""
    from services import invitations

    def request(login: str, **kwargs):
        resp = client.post("/api/v1/auth/password-reset", json={"login": login}, **kwargs)
        for queued in take_reset_requests(stack["redis"].url):
            invitations.request_password_reset(db, queued)
        return resp

    return request
