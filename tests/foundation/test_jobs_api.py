"""The jobs resource over HTTP: shape, ETag, access, cancel, errors."""

from bson import ObjectId

from store import jobs
from tasks.publish import submit
from tests.support import job_tasks  # noqa: F401 - registers the test job kinds


def _job_for(db, user, **params):
    return submit(db, jobs.NewJob(kind="test_steps", owner_id=str(user["_id"]), params={"steps": 1, **params}, total=1))


def test_job_shape_follows_the_contract(client, db, make_user, auth_header):
    user = make_user("student")
    job = _job_for(db, user)
    resp = client.get(f"/api/v1/jobs/{job['_id']}", headers=auth_header(user))
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) >= {"id", "kind", "state", "progress", "result", "error", "created_at", "updated_at"}
    assert body["id"] == str(job["_id"])
    assert body["kind"] == "test_steps"
    assert body["state"] == "queued"
    assert body["progress"] == {"done": 0, "total": 1}
    assert body["created_at"].endswith("Z")
    assert resp.headers["Retry-After"] == "2"


def test_etag_gives_304_until_the_job_changes(client, db, make_user, auth_header):
    user = make_user("student")
    headers = auth_header(user)
    job = _job_for(db, user)
    first = client.get(f"/api/v1/jobs/{job['_id']}", headers=headers)
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/jobs/{job['_id']}", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    jobs.request_cancel(db, job["_id"])
    changed = client.get(f"/api/v1/jobs/{job['_id']}", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["state"] == "cancelled"
    assert changed.headers["ETag"] != etag


def test_unknown_and_malformed_job_ids_are_404(client, make_user, auth_header):
    headers = auth_header(make_user("student"))
    for job_id in (str(ObjectId()), "not-an-id"):
        resp = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert resp.status_code == 404
        assert resp.get_json()["error"]["code"] == "not_found"


def test_another_users_job_is_hidden(client, db, make_user, auth_header):
    owner, other = make_user("student"), make_user("student")
    job = _job_for(db, owner)
    resp = client.get(f"/api/v1/jobs/{job['_id']}", headers=auth_header(other))
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
    cancel = client.post(f"/api/v1/jobs/{job['_id']}/cancel", headers=auth_header(other))
    assert cancel.status_code == 404


def test_a_superadmin_sees_any_job(client, db, make_user, auth_header):
    job = _job_for(db, make_user("student"))
    resp = client.get(f"/api/v1/jobs/{job['_id']}", headers=auth_header(make_user("superadmin")))
    assert resp.status_code == 200


def test_list_shows_only_the_callers_jobs_with_pagination(client, db, make_user, auth_header):
    user, other = make_user("student"), make_user("student")
    mine = [_job_for(db, user) for _ in range(3)]
    _job_for(db, other)
    resp = client.get("/api/v1/jobs?per_page=2&page=1", headers=auth_header(user))
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["total"] == 3
    assert body["page"] == 1
    assert body["per_page"] == 2
    assert len(body["items"]) == 2
    assert {i["id"] for i in body["items"]} <= {str(j["_id"]) for j in mine}


def test_list_rejects_per_page_over_200(client, make_user, auth_header):
    resp = client.get("/api/v1/jobs?per_page=500", headers=auth_header(make_user("student")))
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "per_page" in error["details"]


def test_cancel_a_queued_job_and_then_conflict(client, db, make_user, auth_header):
    user = make_user("student")
    headers = auth_header(user)
    job = _job_for(db, user)
    resp = client.post(f"/api/v1/jobs/{job['_id']}/cancel", headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["state"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{job['_id']}/cancel", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "job_finished"


def test_jobs_need_a_token(client):
    resp = client.get(f"/api/v1/jobs/{ObjectId()}")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "unauthorized"
