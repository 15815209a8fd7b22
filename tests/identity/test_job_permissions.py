"""Who may see and cancel someone else's job: the permission module of the job's kind decides,
within the caller's scope; an upload is its owner's (and superadmins') alone."""

from __future__ import annotations

import pytest

from store import jobs
from tests.identity.conftest import error_of


@pytest.fixture
def others_jobs(db, org):
    owner = str(org.users["superadmin"]["_id"])

    def make(kind: str, scope: dict | None = None) -> str:
        job = jobs.create(db, jobs.NewJob(kind=kind, owner_id=owner, params={}, scope=scope), queue="default")
        return str(job["_id"])

    return {
        "roster": lambda: make("roster_import", {"campus_id": org.ids["campusA"]}),
        "upload": lambda: make("upload"),
    }


def test_a_read_only_admin_sees_an_import_job_but_may_not_cancel_it(client, tokens, others_jobs):
    job_id = others_jobs["roster"]()
    assert client.get(f"/api/v1/jobs/{job_id}", headers=tokens["reader"]).status_code == 200
    refused = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=tokens["reader"])
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert client.get(f"/api/v1/jobs/{job_id}", headers=tokens["reader"]).get_json()["state"] == "queued"


def test_an_admin_with_the_permission_may_cancel_it(client, tokens, others_jobs):
    for who in ("student_manager", "campus_admin"):
        job_id = others_jobs["roster"]()
        resp = client.post(f"/api/v1/jobs/{job_id}/cancel", headers=tokens[who])
        assert resp.status_code == 200, (who, resp.get_json())
        assert resp.get_json()["state"] == "cancelled"


def test_someone_elses_upload_and_its_download_link_stay_private(client, tokens, others_jobs):
    job_id = others_jobs["upload"]()
    for who in ("reader", "student_manager", "campus_admin", "student"):
        assert client.get(f"/api/v1/jobs/{job_id}", headers=tokens[who]).status_code == 404, who
        assert client.post(f"/api/v1/jobs/{job_id}/cancel", headers=tokens[who]).status_code == 404, who
    assert client.get(f"/api/v1/jobs/{job_id}", headers=tokens["superadmin"]).status_code == 200


def test_outside_the_scope_the_job_does_not_exist(client, tokens, others_jobs):
    job_id = others_jobs["roster"]()
    assert client.get(f"/api/v1/jobs/{job_id}", headers=tokens["course_admin_b"]).status_code == 404
