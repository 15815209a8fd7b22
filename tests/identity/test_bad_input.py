"""Bad input on every write endpoint answers 422 validation_error naming the fields."""

from __future__ import annotations

import pytest

from tests.identity.conftest import error_of

LONG = "x" * 500
BAD_ID = "not-an-id"


def _valid(org) -> dict[str, dict]:
    return {
        "campuses": {"name": "Valid Campus"},
        "courses": {"campus_id": org.ids["campusA"], "name": "Valid Course"},
        "batches": {"campus_id": org.ids["campusA"], "course_ids": [org.ids["courseA1"]], "name": "Valid Batch"},
        "students": {
            "name": "Valid Student",
            "roll_number": "VALID-1",
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA1"],
            "send_invitation": False,
        },
        "admins": {
            "name": "Valid Admin",
            "email": "valid.admin@example.edu",
            "role": "campus_admin",
            "campus_id": org.ids["campusA"],
        },
    }


# (resource, change to a valid create body, fields expected in details)
CREATE_CASES = [
    ("campuses", {"name": None}, {"name"}),
    ("campuses", {"name": LONG}, {"name"}),
    ("campuses", {"name": "   "}, {"name"}),
    ("campuses", {"colour": "red"}, {"colour"}),
    ("courses", {"campus_id": BAD_ID}, {"campus_id"}),
    ("courses", {"name": 42}, {"name"}),
    ("batches", {"course_ids": "not-a-list"}, {"course_ids"}),
    ("batches", {"course_ids": []}, {"course_ids"}),
    ("batches", {"course_ids": [BAD_ID]}, {"course_ids"}),
    ("students", {"email": "not-an-email"}, {"email"}),
    ("students", {"mobile": "12345"}, {"mobile"}),
    ("students", {"mobile": "+1 555 0100"}, {"mobile"}),
    ("students", {"roll_number": "has spaces"}, {"roll_number"}),
    ("students", {"roll_number": LONG}, {"roll_number"}),
    ("students", {"send_invitation": "perhaps"}, {"send_invitation"}),
    ("students", {"password": "Letmein-123456"}, {"password"}),
    ("admins", {"role": "emperor"}, {"role"}),
    ("admins", {"email": "a" * 250 + "@example.edu"}, {"email"}),
    ("admins", {"permissions": {"campuses": "everything"}}, {"permissions"}),
    ("admins", {"permissions": {"weather": "read"}}, {"permissions"}),
    ("admins", {"password_hash": "x"}, {"password_hash"}),
]


@pytest.mark.parametrize(
    ("resource", "change", "fields"),
    CREATE_CASES,
    ids=[f"{r}-{'-'.join(sorted(f))}-{i}" for i, (r, _, f) in enumerate(CREATE_CASES)],
)
def test_bad_create_bodies(client, org, tokens, resource, change, fields):
    body = {**_valid(org)[resource], **change}
    body = {k: v for k, v in body.items() if v is not None}
    resp = client.post(f"/api/v1/{resource}", json=body, headers=tokens["superadmin"])
    assert resp.status_code == 422, resp.get_json()
    error = error_of(resp)
    assert error["code"] == "validation_error"
    assert fields <= set(error["details"]), error


@pytest.mark.parametrize("resource", ["campuses", "courses", "batches", "students", "admins"])
def test_missing_every_required_field(client, tokens, resource):
    resp = client.post(f"/api/v1/{resource}", json={}, headers=tokens["superadmin"])
    assert resp.status_code == 422
    details = error_of(resp)["details"]
    assert details
    assert all(messages == ["Missing data for required field."] for messages in details.values())


@pytest.mark.parametrize("resource", ["campuses", "courses", "batches", "students", "admins"])
def test_not_json_at_all(client, tokens, resource):
    resp = client.post(f"/api/v1/{resource}", data="name=x", content_type="text/plain", headers=tokens["superadmin"])
    assert resp.status_code in (415, 422)
    assert error_of(resp)["code"] in ("validation_error", "unsupported_media_type")


UPDATE_CASES = [
    ("campuses", "campusA", {"active": "sometimes"}, {"active"}),
    ("campuses", "campusA", {"id": "abc"}, {"id"}),
    ("courses", "courseA1", {"campus_id": "moving"}, {"campus_id"}),
    ("batches", "batchA", {"campus_id": "moving"}, {"campus_id"}),
    ("batches", "batchA", {"name": LONG}, {"name"}),
    ("students", "studentA", {"batch_id": "x" * 24}, {"batch_id"}),
    ("students", "studentA", {"batch_id": "0" * 24}, {"batch_id"}),
    ("students", "studentA", {"mobile": "call me"}, {"mobile"}),
    ("students", "studentA", {"role": "superadmin"}, {"role"}),
    ("admins", "adminA", {"role": "student"}, {"role"}),
    ("admins", "adminA", {"token_version": 0}, {"token_version"}),
]


@pytest.mark.parametrize(
    ("resource", "key", "body", "fields"),
    UPDATE_CASES,
    ids=[f"{r}-{'-'.join(sorted(f))}-{i}" for i, (r, _, _, f) in enumerate(UPDATE_CASES)],
)
def test_bad_update_bodies(client, org, tokens, resource, key, body, fields):
    resp = client.patch(f"/api/v1/{resource}/{org.ids[key]}", json=body, headers=tokens["superadmin"])
    assert resp.status_code == 422, resp.get_json()
    assert fields <= set(error_of(resp)["details"])


AUTH_CASES = [
    ("/api/v1/auth/login", {"login": "a@b.c"}, {"password"}),
    ("/api/v1/auth/login", {"login": LONG, "password": "x"}, {"login"}),
    ("/api/v1/auth/login", {"login": "a@b.c", "password": "x", "remember": True}, {"remember"}),
    ("/api/v1/auth/invitations/accept", {"token": 123, "password": "Quiet-Harbour-77"}, {"token"}),
    ("/api/v1/auth/invitations/accept", {"token": "t" * 40}, {"password"}),
    ("/api/v1/auth/password-reset", {}, {"login"}),
    ("/api/v1/auth/password-reset", {"login": ["a"]}, {"login"}),
    ("/api/v1/auth/password-reset/confirm", {"token": "t" * 40, "password": "p" * 300}, {"password"}),
]


@pytest.mark.parametrize(
    ("path", "body", "fields"), AUTH_CASES, ids=[f"{p.rsplit('/', 1)[1]}-{i}" for i, (p, _, _) in enumerate(AUTH_CASES)]
)
def test_bad_auth_bodies(client, path, body, fields):
    resp = client.post(path, json=body)
    assert resp.status_code == 422, resp.get_json()
    assert fields <= set(error_of(resp)["details"])


def test_bad_password_change_body(client, tokens):
    resp = client.post("/api/v1/me/password", json={"new_password": 5, "extra": 1}, headers=tokens["campus_admin"])
    assert resp.status_code == 422
    assert {"current_password", "new_password", "extra"} <= set(error_of(resp)["details"])


def test_admin_shape_is_checked_against_the_role(client, org, tokens):
    sa = tokens["superadmin"]
    no_campus = client.post(
        "/api/v1/admins", headers=sa, json={"name": "N", "email": "nc@example.edu", "role": "campus_admin"}
    )
    no_courses = client.post(
        "/api/v1/admins",
        headers=sa,
        json={"name": "N", "email": "nk@example.edu", "role": "course_admin", "campus_id": org.ids["campusA"]},
    )
    no_permissions = client.post(
        "/api/v1/admins", headers=sa, json={"name": "N", "email": "np@example.edu", "role": "sub_superadmin"}
    )
    assert [r.status_code for r in (no_campus, no_courses, no_permissions)] == [422, 422, 422]
    assert set(error_of(no_campus)["details"]) == {"campus_id"}
    assert set(error_of(no_courses)["details"]) == {"course_ids"}
    assert set(error_of(no_permissions)["details"]) == {"permission_template"}
