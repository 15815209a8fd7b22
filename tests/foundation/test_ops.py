"""The ops overview: queue lengths straight from the broker, jobs waiting and running, the latest
failures with their error codes, the outbox backlog; for those who may read settings only."""

from __future__ import annotations

import uuid

import pytest
from bson import ObjectId

from domain.jobkinds import QUEUES


@pytest.fixture
def headers(app, make_user):
    from api.identity.tokens import issue_tokens

    def header(role: str, **fields) -> dict:
        user = make_user(role, email=f"ops.{uuid.uuid4().hex[:8]}@example.edu", **fields)
        with app.app_context():
            return {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"}

    return header


def test_operators_see_queues_failures_and_the_outbox(client, db, headers, stack):
    import redis

    from store import jobs

    failed = jobs.create(db, jobs.NewJob(kind="upload", owner_id="ops-test", params={}), queue="default")
    jobs.finish(db, ObjectId(failed["_id"]), "failed", error={"code": "audio_undecodable", "message": "bad"})
    broker = redis.Redis.from_url(stack["redis"].url)
    broker.rpush("imports", "a", "b", "c")
    broker.rpush("imports\x06\x163", "d")
    try:
        resp = client.get("/api/v1/ops/overview", headers=headers("superadmin"))
    finally:
        broker.delete("imports", "imports\x06\x163")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body["queues"]) == set(QUEUES)
    assert body["queues"]["imports"] == 4
    assert {"queued", "running"} <= set(body["jobs"])
    assert {"queued", "sending", "failed"} <= set(body["outbox"])
    latest = {job["id"]: job for job in body["failed_jobs"]}
    assert latest[str(failed["_id"])]["error"]["code"] == "audio_undecodable"
    assert body["flower_url"].startswith("http")


@pytest.mark.parametrize(("role", "fields"), [("campus_admin", {}), ("student", {})])
def test_only_those_who_read_settings_see_it(client, headers, role, fields):
    assert client.get("/api/v1/ops/overview", headers=headers(role, **fields)).status_code == 403


def test_a_sub_superadmin_with_settings_read_sees_it(client, headers):
    allowed = headers("sub_superadmin", permissions={"settings": "read"})
    denied = headers("sub_superadmin", permissions={"settings": "none", "results": "read"})
    assert client.get("/api/v1/ops/overview", headers=allowed).status_code == 200
    assert client.get("/api/v1/ops/overview", headers=denied).status_code == 403
