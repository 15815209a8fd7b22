"""Nobody grants a permission or a scope they do not hold."""

from __future__ import annotations

import uuid

from domain.access import MODULES
from tests.identity.conftest import bearer, error_of


def _sub_superadmin(db, pair_for, **permissions: str) -> dict:
    from store import users

    levels = {module: permissions.get(module, "none") for module in MODULES}
    account = users.create(
        db,
        {
            "name": "Delegate",
            "email": f"delegate.{uuid.uuid4().hex[:6]}@example.edu",
            "role": "sub_superadmin",
            "permissions": levels,
        },
    )
    return bearer(pair_for(account)["access_token"])


def _campus_admin(org) -> dict:
    return {
        "name": "New Head",
        "email": f"head.{uuid.uuid4().hex[:6]}@example.edu",
        "role": "campus_admin",
        "campus_id": org.ids["campusA"],
    }


def test_admins_write_alone_does_not_let_one_create_a_more_powerful_admin(client, db, org, pair_for):
    delegate = _sub_superadmin(db, pair_for, admins="write", campuses="read")
    resp = client.post("/api/v1/admins", json=_campus_admin(org), headers=delegate)
    assert resp.status_code == 403, resp.get_json()
    assert "students" in error_of(resp)["details"]["permissions"]
    assert db.users.count_documents({"email": _campus_admin(org)["email"]}) == 0


def test_holding_every_permission_a_campus_admin_has_is_enough(client, db, org, pair_for):
    delegate = _sub_superadmin(
        db,
        pair_for,
        admins="write",
        campuses="read",
        courses="write",
        batches="write",
        students="write",
        items="write",
        tests="write",
        results="read",
        notifications="write",
    )
    resp = client.post("/api/v1/admins", json=_campus_admin(org), headers=delegate)
    assert resp.status_code == 201, resp.get_json()


def test_a_patch_cannot_promote_an_admin_beyond_what_the_caller_holds(client, db, org, pair_for, tokens):
    course_admin_id = org.ids["adminA"]
    delegate = _sub_superadmin(db, pair_for, admins="write", campuses="read", courses="read")
    resp = client.patch(f"/api/v1/admins/{course_admin_id}", json={"role": "campus_admin"}, headers=delegate)
    assert resp.status_code == 403
    assert (
        client.get(f"/api/v1/admins/{course_admin_id}", headers=tokens["superadmin"]).get_json()["role"]
        == "course_admin"
    )
