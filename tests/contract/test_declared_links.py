"""The links the spec declares lead somewhere: an import's 202 answers its job, and the job's id
is the import's, so GET on the import works at once (schemathesis follows these links)."""

from __future__ import annotations

import io
import re
import uuid

import pytest

CSV = b"type,level,text\nread_aloud,beginner,The library closes at nine.\n"


@pytest.fixture
def superadmin(make_user, auth_header) -> dict:
    return auth_header(make_user("superadmin"))


def _declared_links(spec: dict) -> list[tuple[str, dict]]:
    return [
        (f"{method.upper()} {path} {status}", link)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
        for status, response in operation.get("responses", {}).items()
        for link in (response.get("links") or {}).values()
    ]


def test_every_declared_link_names_an_operation_and_its_path_parameters(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    links = _declared_links(spec)
    assert len(links) >= 2
    for source, link in links:
        path, method = re.fullmatch(r"#/paths/(.+)/(\w+)", link["operationRef"]).groups()
        path = path.replace("~1", "/").replace("~0", "~")
        assert method in spec["paths"].get(path, {}), source
        assert set(link["parameters"]) == set(re.findall(r"\{(\w+)\}", path)), source


def _multipart(data: bytes, name: str) -> dict:
    return {"data": {"file": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}


def test_an_item_import_is_found_by_the_id_its_202_answers(client, superadmin):
    created = client.post("/api/v1/item-imports", headers=superadmin, **_multipart(CSV, "items.csv"))
    assert created.status_code == 202, created.get_json()
    job_id = created.get_json()["id"]
    found = client.get(f"/api/v1/item-imports/{job_id}", headers=superadmin)
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["job_id"] == job_id


def test_a_roster_import_is_found_by_the_id_its_202_answers(client, superadmin):
    def post(path: str, body: dict) -> dict:
        resp = client.post(f"/api/v1/{path}", headers=superadmin, json=body)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    name = f"Links {uuid.uuid4().hex[:8]}"
    campus = post("campuses", {"name": name})
    course = post("courses", {"campus_id": campus["id"], "name": name})
    batch = post("batches", {"campus_id": campus["id"], "course_ids": [course["id"]], "name": name})
    roster = b"Name,Roll Number,Email\nAsha Rao,LNK0001,asha.lnk@example.edu\n"
    created = client.post(
        f"/api/v1/batches/{batch['id']}/roster-imports", headers=superadmin, **_multipart(roster, "students.csv")
    )
    assert created.status_code == 202, created.get_json()
    job_id = created.get_json()["id"]
    found = client.get(f"/api/v1/roster-imports/{job_id}", headers=superadmin)
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["job_id"] == job_id


def test_every_operation_has_a_summary(client):
    """The served spec says in one line what each operation does (the view's docstring)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and not operation.get("summary")
    ]
    assert missing == []
