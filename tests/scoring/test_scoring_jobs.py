"""Scoring through the API and a real worker on the scoring queue."""
import io

from store import files




def _post_audio(client, headers, data, text, name="answer.wav", **form):
    return client.post("/api/v1/scoring/spoken", headers=headers, content_type="multipart/form-data",
                       data={"audio": (io.BytesIO(data), name), "text": text, **form})


def test_a_spoken_answer_is_scored_by_a_worker(client, make_user, auth_header, start_worker,
                                               read_aloud_clips, poll_job):
    from tests.scoring.labelled_set import READ_ITEMS
    start_worker()
    headers = auth_header(make_user("course_admin"))
    item = READ_ITEMS["library"]
    resp = _post_audio(client, headers, read_aloud_clips["library"]["correct"].read_bytes(), item.text)
    assert resp.status_code == 202 and resp.get_json()["kind"] == "spoken_score"
    job = poll_job(headers, resp.headers["Location"])
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["status"] == "scored" and 20 <= result["overall"] <= 80
    assert result["scoring_version"] == "speech-v1"
    assert files.read_all(f"scoring/{job['id']}/answer")[:4] == b"RIFF"


def test_bad_audio_fails_the_job_with_its_code_and_the_worker_survives(client, make_user, auth_header,
                                                                      start_worker, poll_job):
    worker = start_worker()
    headers = auth_header(make_user("superadmin"))
    resp = _post_audio(client, headers, b"this is not audio at all\n" * 20, "Hello there.")
    job = poll_job(headers, resp.headers["Location"])
    assert job["state"] == "failed"
    assert job["error"]["code"].startswith("audio_")
    assert worker.proc.poll() is None
    written = client.post("/api/v1/scoring/written", headers=headers, json={
        "item_type": "sentence_completion", "answer": "postponed",
        "item": {"sentence": "The meeting has been ___ until next Friday.", "acceptable_answers": ["postponed"]}})
    assert written.status_code == 202, written.get_json()
    done = poll_job(headers, written.headers["Location"])
    assert done["state"] == "succeeded", done
    assert done["result"]["score"] == 1.0 and done["result"]["scoring_version"] == "writing-v1"
    malformed = client.post("/api/v1/scoring/written", headers=headers, json={
        "item_type": "sentence_completion", "answer": "postponed", "item": {"sentence": 42}})
    failed = poll_job(headers, malformed.headers["Location"])
    assert failed["state"] == "failed" and failed["error"]["code"] == "invalid_item"


def test_students_may_not_use_the_scoring_endpoints(client, make_user, auth_header):
    resp = client.post("/api/v1/scoring/written", headers=auth_header(make_user("student")),
                       json={"item_type": "typing", "answer": "x", "item": {}})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"


def test_bad_scoring_requests_are_validation_errors(client, make_user, auth_header):
    headers = auth_header(make_user("superadmin"))
    resp = client.post("/api/v1/scoring/written", headers=headers, json={"item_type": "poetry", "answer": "x"})
    assert resp.status_code == 422
    details = resp.get_json()["error"]["details"]
    assert "item_type" in details and "item" in details
    empty = _post_audio(client, headers, b"", "Hello.")
    assert empty.status_code == 400 and empty.get_json()["error"]["code"] == "empty_file"
