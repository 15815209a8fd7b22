"""A small organisation shared by the identity tests, and accounts for every role.

Two campuses (A, B); courses A1, A2 in A and B1 in B; batch A spans A1 and A2, batch B spans B1;
student sA (batch A, course A1) and sB (batch B, course B1). Accounts are created once per module
(argon2 hashing is slow) with names made unique so modules do not collide.
"""

from __future__ import annotations

import pytest

from tests.support.org import Org


@pytest.fixture(scope="module")
def org(db) -> Org:
    from domain.access import TEMPLATES

    o = Org(db)
    o.campus("campusA", "Campus A")
    o.campus("campusB", "Campus B")
    o.course("courseA1", "campusA", "A1")
    o.course("courseA2", "campusA", "A2")
    o.course("courseB1", "campusB", "B1")
    o.batch("batchA", "campusA", ["courseA1", "courseA2"], "Batch A")
    o.batch("batchB", "campusB", ["courseB1"], "Batch B")
    o.account("superadmin", "superadmin")
    for template in ("read_only", "student_manager"):
        key = "reader" if template == "read_only" else template
        o.account(key, "sub_superadmin", permissions=TEMPLATES[template], permission_template=template)
    o.account("campus_admin", "campus_admin", campus_id=o.ids["campusA"])
    o.account("course_admin", "course_admin", campus_id=o.ids["campusA"], course_ids=[o.ids["courseA1"]])
    o.account("course_admin_b", "course_admin", campus_id=o.ids["campusB"], course_ids=[o.ids["courseB1"]])
    o.student("student", "campusA", "batchA", "courseA1", roll_number=f"RA{o.suffix}")
    o.student("student_b", "campusB", "batchB", "courseB1", roll_number=f"RB{o.suffix}")
    o.ids.update(
        studentA=o.ids["student"],
        studentB=o.ids["student_b"],
        adminA=o.ids["course_admin"],
        adminB=o.ids["course_admin_b"],
    )
    return o


@pytest.fixture(scope="module")
def tokens(app, db, org):
    """role key -> Authorization header, minted directly (no login, so no login rate limit)."""
    return org.issue_headers(app)


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
