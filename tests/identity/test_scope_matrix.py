"""Each role against an in-scope and an out-of-scope record of every organisation resource.

Out of scope answers 404 (existence not revealed); a role that may not take the action 403.
"""

from __future__ import annotations

import pytest

from tests.identity.conftest import error_of

# resource -> (path, in-scope id key, out-of-scope id key); "in" and "out" are seen from campus A,
# course A1, and student sA.
RESOURCES = {
    "campuses": ("campusA", "campusB"),
    "courses": ("courseA1", "courseB1"),
    "batches": ("batchA", "batchB"),
    "students": ("studentA", "studentB"),
    "admins": ("adminA", "adminB"),
}
ALL = tuple(RESOURCES)

# role -> resource -> (GET in, GET out, PATCH in, PATCH out)
OPEN, READ_ONLY, NOTHING = (200, 200, 200, 200), (200, 200, 403, 403), (403, 403, 403, 403)
SCOPED_WRITE, SCOPED_READ = (200, 404, 200, 404), (200, 404, 403, 403)
EXPECTED = {
    "superadmin": dict.fromkeys(ALL, OPEN),
    "reader": dict.fromkeys(ALL, READ_ONLY),
    "student_manager": {
        "campuses": READ_ONLY,
        "courses": READ_ONLY,
        "batches": OPEN,
        "students": OPEN,
        "admins": NOTHING,
    },
    "campus_admin": {
        "campuses": SCOPED_READ,
        "courses": SCOPED_WRITE,
        "batches": SCOPED_WRITE,
        "students": SCOPED_WRITE,
        "admins": SCOPED_WRITE,
    },
    "course_admin": {
        "campuses": SCOPED_READ,
        "courses": SCOPED_READ,
        "batches": SCOPED_READ,
        "students": SCOPED_WRITE,
        "admins": NOTHING,
    },
    "student": {
        "campuses": NOTHING,
        "courses": NOTHING,
        "batches": NOTHING,
        "students": (200, 404, 403, 403),
        "admins": NOTHING,
    },
}
CASES = [(role, resource) for role in EXPECTED for resource in ALL]


@pytest.mark.parametrize(("role", "resource"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_role_against_in_and_out_of_scope_records(client, org, tokens, role, resource):
    in_key, out_key = RESOURCES[resource]
    header = tokens[role]
    got = (
        client.get(f"/api/v1/{resource}/{org.ids[in_key]}", headers=header).status_code,
        client.get(f"/api/v1/{resource}/{org.ids[out_key]}", headers=header).status_code,
        client.patch(f"/api/v1/{resource}/{org.ids[in_key]}", json={"active": True}, headers=header).status_code,
        client.patch(f"/api/v1/{resource}/{org.ids[out_key]}", json={"active": True}, headers=header).status_code,
    )
    assert got == EXPECTED[role][resource]


@pytest.mark.parametrize(("role", "resource"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_lists_hold_only_records_in_scope(client, org, tokens, role, resource):
    in_key, out_key = RESOURCES[resource]
    resp = client.get(f"/api/v1/{resource}", query_string={"per_page": 200}, headers=tokens[role])
    can_read = EXPECTED[role][resource][0] == 200
    if not can_read:
        assert resp.status_code == 403
        assert error_of(resp)["code"] == "forbidden"
        return
    assert resp.status_code == 200, resp.get_json()
    ids = {item["id"] for item in resp.get_json()["items"]}
    assert org.ids[in_key] in ids
    sees_everything = EXPECTED[role][resource][1] == 200
    assert (org.ids[out_key] in ids) == sees_everything


def test_out_of_scope_and_missing_look_the_same(client, org, tokens):
    missing = client.get("/api/v1/students/0123456789abcdef01234567", headers=tokens["campus_admin"])
    hidden = client.get(f"/api/v1/students/{org.ids['studentB']}", headers=tokens["campus_admin"])
    assert missing.status_code == hidden.status_code == 404
    assert error_of(missing) == error_of(hidden)


def test_course_admin_sees_only_students_of_their_courses(client, db, org, tokens):
    from store import users

    other_course = users.create(
        db,
        {
            "name": "Other Course Kid",
            "role": "student",
            "roll_number": f"RX{org.suffix}",
            "campus_id": org.ids["campusA"],
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA2"],
        },
    )
    try:
        as_course_admin = client.get(f"/api/v1/students/{other_course['_id']}", headers=tokens["course_admin"])
        as_campus_admin = client.get(f"/api/v1/students/{other_course['_id']}", headers=tokens["campus_admin"])
        assert (as_course_admin.status_code, as_campus_admin.status_code) == (404, 200)
    finally:
        users.delete(db, other_course["_id"])


@pytest.mark.parametrize(
    ("role", "path", "body_key", "expected"),
    [
        ("campus_admin", "/api/v1/courses", "campusB", 422),
        ("campus_admin", "/api/v1/courses", "campusA", 201),
        ("course_admin", "/api/v1/courses", "campusA", 403),
        ("student", "/api/v1/courses", "campusA", 403),
        ("reader", "/api/v1/courses", "campusA", 403),
    ],
)
def test_creating_inside_and_outside_the_scope(client, db, org, tokens, role, path, body_key, expected):
    resp = client.post(
        path, json={"campus_id": org.ids[body_key], "name": f"New {role} {body_key}"}, headers=tokens[role]
    )
    assert resp.status_code == expected, resp.get_json()
    if expected == 422:
        assert error_of(resp)["details"] == {"campus_id": ["No such campus."]}
    if expected == 201:
        db.courses.delete_one({"name": f"New {role} {body_key}"})


def test_course_admin_creates_students_only_in_their_courses(client, db, org, tokens):
    header = tokens["course_admin"]
    outside = client.post(
        "/api/v1/students",
        headers=header,
        json={
            "name": "Out Side",
            "roll_number": f"OS{org.suffix}",
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA2"],
            "send_invitation": False,
        },
    )
    inside = client.post(
        "/api/v1/students",
        headers=header,
        json={
            "name": "In Side",
            "roll_number": f"IS{org.suffix}",
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA1"],
            "send_invitation": False,
        },
    )
    assert outside.status_code == 422
    assert error_of(outside)["details"] == {"course_id": ["No such course."]}
    assert inside.status_code == 201, inside.get_json()
    assert inside.get_json()["campus_id"] == org.ids["campusA"]
    db.users.delete_one({"roll_number": f"IS{org.suffix}".upper()})


@pytest.mark.parametrize(
    ("actor", "role", "expected"),
    [
        ("campus_admin", "course_admin", 201),
        ("campus_admin", "campus_admin", 403),
        ("student_manager", "course_admin", 403),
        ("superadmin", "sub_superadmin", 201),
    ],
)
def test_who_may_create_which_admins(client, db, org, tokens, actor, role, expected):
    body = {"name": "New Admin", "email": f"new.{actor}.{role}.{org.suffix}@example.edu", "role": role}
    if role in ("campus_admin", "course_admin"):
        body["campus_id"] = org.ids["campusA"]
    if role == "course_admin":
        body["course_ids"] = [org.ids["courseA1"]]
    if role == "sub_superadmin":
        body["permission_template"] = "content_manager"
    resp = client.post("/api/v1/admins", json=body, headers=tokens[actor])
    assert resp.status_code == expected, resp.get_json()
    if expected == 201:
        created = resp.get_json()
        assert created["invitation_pending"] is True
        if role == "sub_superadmin":
            assert created["permissions"]["items"] == "write"
            assert created["permissions"]["admins"] == "none"
        db.users.delete_one({"email": body["email"]})


def test_sub_superadmin_cannot_change_a_superadmin(client, org, tokens):
    target = str(org.users["superadmin"]["_id"])
    seen = client.get(f"/api/v1/admins/{target}", headers=tokens["reader"])
    changed = client.patch(f"/api/v1/admins/{target}", json={"name": "Demoted"}, headers=tokens["reader"])
    assert (seen.status_code, changed.status_code) == (200, 403)
