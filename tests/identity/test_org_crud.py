"""Organisation CRUD: creation, uniqueness, deleting with dependents, lists, and the audit trail."""

from __future__ import annotations

import uuid

import pytest

from tests.identity.conftest import error_of


@pytest.fixture
def sa(tokens):
    return tokens["superadmin"]


def _post(client, header, path, body):
    resp = client.post(f"/api/v1/{path}", json=body, headers=header)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_full_tree_then_delete_refused_until_dependents_are_gone(client, sa):
    tag = uuid.uuid4().hex[:6]
    campus = _post(client, sa, "campuses", {"name": f"North {tag}", "code": "N1"})
    course = _post(client, sa, "courses", {"campus_id": campus["id"], "name": "B.Tech CSE"})
    batch = _post(client, sa, "batches", {"campus_id": campus["id"], "course_ids": [course["id"]], "name": "2026"})
    student = _post(
        client,
        sa,
        "students",
        {
            "name": "Ravi",
            "roll_number": f"n{tag}-01",
            "batch_id": batch["id"],
            "course_id": course["id"],
            "send_invitation": False,
        },
    )
    assert student["roll_number"] == f"N{tag}-01".upper()
    assert student["campus_id"] == campus["id"]

    refused = client.delete(f"/api/v1/campuses/{campus['id']}", headers=sa)
    assert refused.status_code == 409
    assert error_of(refused)["details"]["dependents"] == {"courses": 1, "batches": 1, "students": 1}
    assert "deactivate" in error_of(refused)["message"]
    course_refused = client.delete(f"/api/v1/courses/{course['id']}", headers=sa)
    assert error_of(course_refused)["details"]["dependents"] == {"batches": 1, "students": 1}
    batch_refused = client.delete(f"/api/v1/batches/{batch['id']}", headers=sa)
    assert error_of(batch_refused)["details"]["dependents"] == {"students": 1}

    deactivated = client.patch(f"/api/v1/campuses/{campus['id']}", json={"active": False}, headers=sa)
    assert deactivated.status_code == 200
    assert deactivated.get_json()["active"] is False

    for path in (
        f"students/{student['id']}",
        f"batches/{batch['id']}",
        f"courses/{course['id']}",
        f"campuses/{campus['id']}",
    ):
        assert client.delete(f"/api/v1/{path}", headers=sa).status_code == 204, path
        assert client.get(f"/api/v1/{path}", headers=sa).status_code == 404


def test_names_unique_within_a_campus_and_roll_numbers_platform_wide(client, sa, org):
    tag = uuid.uuid4().hex[:6]
    course = _post(client, sa, "courses", {"campus_id": org.ids["campusA"], "name": f"Physics {tag}"})
    same_name = client.post(
        "/api/v1/courses", json={"campus_id": org.ids["campusA"], "name": f"  physics   {tag} "}, headers=sa
    )
    assert same_name.status_code == 409
    assert "name" in error_of(same_name)["details"]
    other_campus = client.post(
        "/api/v1/courses", json={"campus_id": org.ids["campusB"], "name": f"Physics {tag}"}, headers=sa
    )
    assert other_campus.status_code == 201
    batch_dup = client.post(
        "/api/v1/batches",
        headers=sa,
        json={"campus_id": org.ids["campusA"], "course_ids": [org.ids["courseA1"]], "name": "batch a"},
    )
    assert batch_dup.status_code == 409
    assert "name" in error_of(batch_dup)["details"]
    roll_dup = client.post(
        "/api/v1/students",
        headers=sa,
        json={
            "name": "Copy Cat",
            "roll_number": org.users["student_b"]["roll_number"].lower(),
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseA1"],
            "send_invitation": False,
        },
    )
    assert roll_dup.status_code == 409
    assert "roll_number" in error_of(roll_dup)["details"]
    for created in (course, other_campus.get_json()):
        assert client.delete(f"/api/v1/courses/{created['id']}", headers=sa).status_code == 204


def test_batch_courses_must_belong_to_its_campus_and_removal_is_guarded(client, sa, org):
    cross = client.post(
        "/api/v1/batches",
        headers=sa,
        json={"campus_id": org.ids["campusA"], "course_ids": [org.ids["courseB1"]], "name": f"X {org.suffix}"},
    )
    assert cross.status_code == 422
    assert "course_ids" in error_of(cross)["details"]
    in_use = client.patch(
        f"/api/v1/batches/{org.ids['batchA']}", json={"course_ids": [org.ids["courseA2"]]}, headers=sa
    )
    assert in_use.status_code == 409
    assert error_of(in_use)["details"]["dependents"] == {"students": 1}


def test_student_course_must_be_one_of_the_batch(client, sa, org):
    resp = client.post(
        "/api/v1/students",
        headers=sa,
        json={
            "name": "Wrong Course",
            "roll_number": f"WC{org.suffix}",
            "batch_id": org.ids["batchA"],
            "course_id": org.ids["courseB1"],
            "send_invitation": False,
        },
    )
    assert resp.status_code == 422
    assert error_of(resp)["details"] == {"course_id": ["Not a course of this batch."]}


def test_ids_in_upper_case_name_the_same_record_and_still_meet_the_dependents_check(client, sa):
    tag = uuid.uuid4().hex[:6]
    campus = _post(client, sa, "campuses", {"name": f"Upper {tag}"})
    course = _post(client, sa, "courses", {"campus_id": campus["id"].upper(), "name": "Course"})
    assert course["campus_id"] == campus["id"]
    shouted = campus["id"].upper()
    assert client.get(f"/api/v1/campuses/{shouted}", headers=sa).get_json()["id"] == campus["id"]
    refused = client.delete(f"/api/v1/campuses/{shouted}", headers=sa)
    assert refused.status_code == 409, refused.get_json()
    assert error_of(refused)["details"]["dependents"] == {"courses": 1}
    assert client.get(f"/api/v1/campuses/{campus['id']}", headers=sa).status_code == 200
    assert client.get("/api/v1/campuses/not-an-id", headers=sa).status_code == 404


@pytest.mark.parametrize(
    "resource", ["campuses", "courses", "batches", "students", "admins", "audit", "notifications", "jobs"]
)
def test_a_page_beyond_the_bound_is_a_validation_error(client, sa, resource):
    resp = client.get(f"/api/v1/{resource}", query_string={"page": "100000000000000000000"}, headers=sa)
    assert resp.status_code == 422, resp.get_json()
    assert "page" in error_of(resp)["details"]
    assert client.get(f"/api/v1/{resource}", query_string={"page": 10_000}, headers=sa).status_code == 200


def test_lists_filter_sort_and_page(client, sa, org):
    by_batch = client.get("/api/v1/students", query_string={"batch_id": org.ids["batchA"]}, headers=sa).get_json()
    assert {s["batch_id"] for s in by_batch["items"]} == {org.ids["batchA"]}
    courses = client.get(
        "/api/v1/courses",
        query_string={"campus_id": org.ids["campusA"], "sort": "-name", "per_page": 1, "page": 2},
        headers=sa,
    ).get_json()
    assert (courses["total"], courses["page"], courses["per_page"]) == (2, 2, 1)
    assert [c["name"] for c in courses["items"]] == ["A1"]
    found = client.get("/api/v1/campuses", query_string={"q": f"campus a {org.suffix}"}, headers=sa).get_json()
    assert [c["id"] for c in found["items"]] == [org.ids["campusA"]]
    by_course = client.get("/api/v1/batches", query_string={"course_id": org.ids["courseA2"]}, headers=sa).get_json()
    assert [b["id"] for b in by_course["items"]] == [org.ids["batchA"]]


@pytest.mark.parametrize(
    "query", [{"per_page": 201}, {"page": 0}, {"sort": "password_hash"}, {"batch_id": "not-an-id"}]
)
def test_bad_list_parameters(client, sa, query):
    resp = client.get("/api/v1/students", query_string=query, headers=sa)
    assert resp.status_code == 422
    assert error_of(resp)["code"] == "validation_error"
    assert error_of(resp)["details"]


def test_admin_writes_are_audited_with_before_after_and_request_id(client, sa, tokens, org):
    tag = uuid.uuid4().hex[:6]
    campus = _post(client, sa, "campuses", {"name": f"Audited {tag}"})
    resp = client.patch(
        f"/api/v1/campuses/{campus['id']}",
        json={"name": f"Renamed {tag}"},
        headers={**sa, "X-Request-ID": f"req-{tag}"},
    )
    assert resp.status_code == 200
    trail = client.get("/api/v1/audit", query_string={"target_id": campus["id"]}, headers=sa).get_json()
    assert [e["action"] for e in trail["items"]] == ["campus.update", "campus.create"]
    update = trail["items"][0]
    assert update["before"] == {"name": f"Audited {tag}"}
    assert update["after"] == {"name": f"Renamed {tag}"}
    assert update["request_id"] == f"req-{tag}"
    assert update["actor_id"] == str(org.users["superadmin"]["_id"])
    assert update["actor_role"] == "superadmin"
    assert update["at"].endswith("Z")
    client.delete(f"/api/v1/campuses/{campus['id']}", headers=sa)


def test_audit_trail_is_for_superadmins_only(client, tokens):
    for role in ("reader", "campus_admin", "student"):
        assert client.get("/api/v1/audit", headers=tokens[role]).status_code == 403


def test_audit_never_holds_secrets(client, db, sa, org):
    resp = client.post(
        "/api/v1/admins",
        headers=sa,
        json={
            "name": "Secret Keeper",
            "email": f"keeper.{uuid.uuid4().hex[:6]}@example.edu",
            "role": "campus_admin",
            "campus_id": org.ids["campusA"],
        },
    )
    assert resp.status_code == 201
    entry = db.audit.find_one({"target_id": resp.get_json()["id"], "action": "admin.create"})
    assert not {"password_hash", "invitation", "token_version"} & set(entry["after"])
    db.users.delete_one({"_id": __import__("bson").ObjectId(resp.get_json()["id"])})


def test_admin_cannot_delete_themselves(client, org, sa):
    resp = client.delete(f"/api/v1/admins/{org.users['superadmin']['_id']}", headers=sa)
    assert resp.status_code == 409
    assert error_of(resp)["code"] == "cannot_delete_self"
