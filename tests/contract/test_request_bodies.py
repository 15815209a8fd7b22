"""A body the spec declares required is required: a request without it gets the one 422, never a
no-op PATCH or a POST run on defaults (api/blueprint.py)."""

from __future__ import annotations

import re

import pytest
from bson import ObjectId


def _operations_with_a_required_body(client) -> list[tuple[str, str, str]]:
    """(method, path with ids filled in, media type) of every operation declaring a required body."""
    spec = client.get("/api/v1/openapi.json").get_json()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and body.get("required"):
                url = re.sub(r"\{\w+\}", str(ObjectId()), path)
                found += [(method.upper(), url, media_type) for media_type in body["content"]]
    return found


# Operations only a student may call (an answer to their own attempt's item).
STUDENT_ONLY = r"PUT /api/v1/attempts/[0-9a-f]{24}/answers/[0-9a-f]{24}"


@pytest.fixture
def superadmin(make_user, auth_header) -> dict:
    return auth_header(make_user("superadmin"))


def test_every_required_body_is_refused_when_missing(client, superadmin):
    operations = _operations_with_a_required_body(client)
    assert len(operations) >= 25  # the sweep sees the API, not an empty spec
    for method, url, media_type in operations:
        resp = client.open(url, method=method, headers=superadmin)
        error = resp.get_json()["error"]
        if re.fullmatch(STUDENT_ONLY, f"{method} {url}"):
            # The access rule comes first: a superadmin may not answer for a student at all.
            assert (resp.status_code, error["code"]) == (403, "forbidden"), (method, url)
            continue
        assert (resp.status_code, error["code"]) == (422, "validation_error"), (method, url, resp.get_json())
        location = "json" if media_type == "application/json" else "multipart"
        assert error["details"] == {location: [f"This request needs a body ({media_type})."]}, (method, url)


def test_a_patch_without_a_body_changes_nothing_and_is_refused(client, superadmin):
    campus = client.post("/api/v1/campuses", headers=superadmin, json={"name": f"Body {ObjectId()}"}).get_json()
    resp = client.patch(f"/api/v1/campuses/{campus['id']}", headers=superadmin)
    assert resp.status_code == 422
    assert client.get(f"/api/v1/campuses/{campus['id']}", headers=superadmin).get_json() == campus


def test_a_body_of_another_media_type_is_no_body(client, superadmin):
    resp = client.post("/api/v1/audit/exports", headers=superadmin, data="since=2020-01-01", content_type="text/plain")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"] == {"json": ["This request needs a body (application/json)."]}


def test_an_empty_json_object_is_a_body(client, superadmin):
    assert client.post("/api/v1/audit/exports", headers=superadmin, json={}).status_code == 202


def test_an_upload_sent_as_json_is_still_415(client, superadmin):
    resp = client.post("/api/v1/item-imports", headers=superadmin, json={"file": "x"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (415, "unsupported_media_type")
