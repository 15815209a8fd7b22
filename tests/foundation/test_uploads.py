"""Upload jobs end to end: HTTP -> S3 staging -> job -> real worker over Redis -> S3 -> poll."""

import io

import pytest
import requests
from bson import ObjectId

from store import files, jobs
from tasks.publish import submit

CSV = b"name,roll_number\nAsha,21A001\nRavi,21A002\n"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _upload(client, headers, data, name="roster.csv"):
    return client.post(
        "/api/v1/uploads", headers=headers, content_type="multipart/form-data", data={"file": (io.BytesIO(data), name)}
    )


def test_upload_runs_through_a_real_worker_and_lands_in_s3(client, make_user, auth_header, start_worker, poll_job):
    start_worker()
    user = make_user("campus_admin")
    headers = auth_header(user)
    resp = _upload(client, headers, CSV)
    assert resp.status_code == 202
    location = resp.headers["Location"]
    assert location == f"/api/v1/jobs/{resp.get_json()['id']}"
    assert resp.get_json()["kind"] == "upload"

    job = poll_job(headers, location)
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["size"] == len(CSV)
    assert result["content_type"] == "text/csv"
    assert result["key"].startswith(f"uploads/{user['_id']}/")
    assert result["key"].endswith("/roster.csv")
    assert files.read_all(result["key"]) == CSV
    assert files.head(files.staging_key(job["id"])) is None  # staging copy removed
    downloaded = requests.get(result["download_url"], timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content == CSV


def test_a_pdf_is_accepted_by_content(client, make_user, auth_header, start_worker, poll_job):
    start_worker()
    headers = auth_header(make_user("student"))
    job = poll_job(headers, _upload(client, headers, PDF, "notes.bin").headers["Location"])
    assert job["state"] == "succeeded"
    assert job["result"]["content_type"] == "application/pdf"


def test_the_worker_rejects_a_disallowed_type_by_content(db, make_user, start_worker, wait_for_job):
    """Bytes staged by any route are checked again by the worker, by content."""
    start_worker()
    user = make_user("student")
    job_id = ObjectId()
    files.put_bytes(files.staging_key(str(job_id)), b"\x7fELF\x02\x01\x01" + bytes(200))
    submit(
        db,
        jobs.NewJob(
            kind="upload", owner_id=str(user["_id"]), job_id=job_id, params={"filename": "report.csv", "size": 207}
        ),
    )
    job = wait_for_job(job_id)
    assert job["state"] == "failed"
    assert job["error"]["code"] == "unsupported_file_type"
    assert files.head(files.staging_key(str(job_id))) is None


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"", "empty.csv", 400, "empty_file"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "roster.csv", 415, "unsupported_media_type"),
        (b"a" * (1024 * 1024 + 1), "big.csv", 413, "payload_too_large"),
    ],
)
def test_bad_files_are_refused_with_the_error_body(client, make_user, auth_header, data, name, status, code):
    resp = _upload(client, auth_header(make_user("student")), data, name)
    assert resp.status_code == status
    assert resp.get_json()["error"]["code"] == code


def test_a_body_far_over_the_limit_is_413(client, make_user, auth_header):
    resp = _upload(client, auth_header(make_user("student")), b"a" * (3 * 1024 * 1024), "huge.csv")
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "payload_too_large"


def test_no_file_is_a_validation_error(client, make_user, auth_header):
    resp = client.post(
        "/api/v1/uploads",
        headers=auth_header(make_user("student")),
        content_type="multipart/form-data",
        data={"other": "x"},
    )
    assert resp.status_code == 422
    assert "file" in resp.get_json()["error"]["details"]


def test_json_instead_of_multipart_is_415(client, make_user, auth_header):
    resp = client.post("/api/v1/uploads", headers=auth_header(make_user("student")), json={"file": "x"})
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"


def test_uploads_need_a_token(client):
    resp = _upload(client, {}, CSV)
    assert resp.status_code == 401
