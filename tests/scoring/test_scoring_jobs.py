"""Scoring through the API and a real worker on the scoring queue."""

import io

from bson import ObjectId

from store import files
from workers.scoring import CURRENT_VERSION as SPEECH_VERSION


def _post_audio(client, headers, data, text, name="answer.wav", **form):
    return client.post(
        "/api/v1/scoring/spoken",
        headers=headers,
        content_type="multipart/form-data",
        data={"audio": (io.BytesIO(data), name), "text": text, **form},
    )


def test_a_spoken_answer_is_scored_by_a_worker(
    client, db, make_user, auth_header, start_worker, read_aloud_clips, poll_job
):
    from tests.scoring.labelled_set import READ_ITEMS

    start_worker()
    headers = auth_header(make_user("superadmin"))
    item = READ_ITEMS["library"]
    # A score filed under an attempt must name one that exists (and that the caller may see).
    attempt_id = str(db.attempts.insert_one({"test_id": str(ObjectId()), "state": "in_progress"}).inserted_id)
    resp = _post_audio(
        client, headers, read_aloud_clips["library"]["correct"].read_bytes(), item.text, attempt_id=attempt_id
    )
    assert resp.status_code == 202
    assert resp.get_json()["kind"] == "spoken_score"
    job = poll_job(headers, resp.headers["Location"])
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["status"] == "scored"
    assert 20 <= result["overall"] <= 80
    assert result["scoring_version"] == SPEECH_VERSION
    assert files.read_all(f"scoring/{job['id']}/answer")[:4] == b"RIFF"

    # Forced re-score reads the stored audio again and, being deterministic, lands on the same score.
    rescored = poll_job(
        headers,
        client.post("/api/v1/scoring/rescore", headers=headers, json={"attempt_id": attempt_id, "force": True}).headers[
            "Location"
        ],
    )
    assert rescored["result"]["rescored"] == 1, rescored
    stored = db.scores.find_one({"_id": ObjectId(job["id"])})
    assert stored["result"]["overall"] == result["overall"]
    assert len(stored["history"]) == 1

    # An answer scored under speech-v1 moves to the current version when a re-score is asked for
    # (no force needed), and its speech-v1 figures stay in the history.
    db.scores.update_one({"_id": ObjectId(job["id"])}, {"$set": {"scoring_version": "speech-v1"}})
    moved = poll_job(
        headers,
        client.post("/api/v1/scoring/rescore", headers=headers, json={"attempt_id": attempt_id}).headers["Location"],
    )
    assert moved["result"]["rescored"] == 1, moved
    stored = db.scores.find_one({"_id": ObjectId(job["id"])})
    assert (stored["scoring_version"], stored["result"]["scoring_version"]) == (SPEECH_VERSION, SPEECH_VERSION)
    assert stored["history"][-1]["scoring_version"] == "speech-v1"


def test_bad_audio_fails_the_job_with_its_code_and_the_worker_survives(
    client, make_user, auth_header, start_worker, poll_job
):
    worker = start_worker()
    headers = auth_header(make_user("superadmin"))
    # Plainly not audio by its first bytes: refused at once (the one upload rule, as for answers).
    not_audio = _post_audio(client, headers, b"this is not audio at all\n" * 20, "Hello there.")
    assert (not_audio.status_code, not_audio.get_json()["error"]["code"]) == (415, "unsupported_media_type")
    # Audio by its header but damaged inside: the job fails with the decoder's code.
    resp = _post_audio(client, headers, b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(3000), "Hello there.")
    job = poll_job(headers, resp.headers["Location"])
    assert job["state"] == "failed"
    assert job["error"]["code"].startswith("audio_")
    assert worker.proc.poll() is None
    written = client.post(
        "/api/v1/scoring/written",
        headers=headers,
        json={
            "item_type": "sentence_completion",
            "answer": "postponed",
            "item": {"sentence": "The meeting has been ___ until next Friday.", "acceptable_answers": ["postponed"]},
        },
    )
    assert written.status_code == 202, written.get_json()
    done = poll_job(headers, written.headers["Location"])
    assert done["state"] == "succeeded", done
    assert done["result"]["score"] == 1.0
    assert done["result"]["scoring_version"] == "writing-v2"
    malformed = client.post(
        "/api/v1/scoring/written",
        headers=headers,
        json={"item_type": "sentence_completion", "answer": "postponed", "item": {"sentence": 42}},
    )
    failed = poll_job(headers, malformed.headers["Location"])
    assert failed["state"] == "failed"
    assert failed["error"]["code"] == "invalid_item"


def test_students_and_course_admins_may_not_use_the_scoring_endpoints(client, make_user, auth_header):
    for role in ("student", "course_admin"):
        resp = client.post(
            "/api/v1/scoring/written",
            headers=auth_header(make_user(role)),
            json={"item_type": "typing", "answer": "x", "item": {}},
        )
        assert resp.status_code == 403
        assert resp.get_json()["error"]["code"] == "forbidden"


SENTENCE = {"sentence": "The meeting has been ___ until next Friday.", "acceptable_answers": ["postponed"]}


def _a_test(db) -> dict:
    """A whole test document (other modules list every test the database holds)."""
    from datetime import UTC, datetime, timedelta

    from store import papers

    now = datetime.now(UTC)
    fields = {
        "title": "Rescore",
        "campus_id": str(ObjectId()),
        "kind": "online",
        "sections": [{"item_ids": [str(ObjectId())]}],
        "duration_minutes": 30,
        "window_start": now,
        "window_end": now + timedelta(hours=1),
        "attempts_allowed": 1,
        "release": "manual",
    }
    return papers.create(db, fields, created_by="scoring-test")


def test_rescore_an_attempt_under_the_current_version(client, db, make_user, auth_header, start_worker, poll_job):
    start_worker()
    headers = auth_header(make_user("superadmin"))
    # Scores filed under an assessment name records that exist (and that the caller may see).
    test_id = str(_a_test(db)["_id"])
    att_1, att_2 = (
        str(
            db.attempts.insert_one(
                {"test_id": test_id, "student_id": str(ObjectId()), "state": "in_progress"}
            ).inserted_id
        )
        for _ in range(2)
    )
    item_ids = [
        str(db.items.insert_one({"type": "sentence_completion", "content": SENTENCE}).inserted_id) for _ in range(3)
    ]
    locations = [
        client.post(
            "/api/v1/scoring/written",
            headers=headers,
            json={
                "item_type": "sentence_completion",
                "answer": answer,
                "item": SENTENCE,
                "attempt_id": attempt,
                "test_id": test_id,
                "item_id": item_ids[n],
            },
        ).headers["Location"]
        for n, (answer, attempt) in enumerate([("postponed", att_1), ("delayed", att_1), ("postponed", att_2)])
    ]
    score_ids = [ObjectId(poll_job(headers, loc)["id"]) for loc in locations]
    # As if these were scored under an older version with other figures.
    db.scores.update_many({"_id": {"$in": score_ids}}, {"$set": {"scoring_version": "writing-v0", "result.score": 0.5}})

    resp = client.post("/api/v1/scoring/rescore", headers=headers, json={"attempt_id": att_1})
    assert resp.status_code == 202
    assert resp.get_json()["kind"] == "rescore"
    job = poll_job(headers, resp.headers["Location"])
    assert job["state"] == "succeeded", job
    assert job["result"]["matched"] == 2
    assert job["result"]["rescored"] == 2
    assert job["result"]["failed"] == 0
    assert job["progress"] == {"done": 2, "total": 2}
    first, second, other = (db.scores.find_one({"_id": i}) for i in score_ids)
    assert first["scoring_version"] == "writing-v2"
    assert first["result"]["score"] == 1.0
    assert first["history"] == [
        {"scoring_version": "writing-v0", "overall": 0.5, "scored_at": first["history"][0]["scored_at"]}
    ]
    assert second["result"]["score"] < 1.0
    assert len(second["history"]) == 1
    assert other["scoring_version"] == "writing-v0"
    assert other["history"] == []

    again = poll_job(
        headers, client.post("/api/v1/scoring/rescore", headers=headers, json={"test_id": test_id}).headers["Location"]
    )
    assert again["result"]["matched"] == 3
    assert again["result"]["unchanged"] == 2
    assert again["result"]["rescored"] == 1


def test_rescore_needs_exactly_one_target(client, make_user, auth_header):
    headers = auth_header(make_user("superadmin"))
    for body in ({}, {"attempt_id": "a", "test_id": "t"}, {"attempt_id": "a", "extra": 1}):
        resp = client.post("/api/v1/scoring/rescore", headers=headers, json=body)
        assert resp.status_code == 422, body
        assert resp.get_json()["error"]["code"] == "validation_error"


def test_bad_scoring_requests_are_validation_errors(client, make_user, auth_header):
    headers = auth_header(make_user("superadmin"))
    resp = client.post("/api/v1/scoring/written", headers=headers, json={"item_type": "poetry", "answer": "x"})
    assert resp.status_code == 422
    details = resp.get_json()["error"]["details"]
    assert "item_type" in details
    assert "item" in details
    empty = _post_audio(client, headers, b"", "Hello.")
    assert empty.status_code == 400
    assert empty.get_json()["error"]["code"] == "empty_file"


def test_the_context_cannot_choose_the_scoring_version(client, make_user, auth_header):
    headers = auth_header(make_user("superadmin"))
    base = {"item_type": "sentence_completion", "answer": "postponed", "item": SENTENCE}
    for context in ({"version": "writing-v0"}, {"elapsed_seconds": -5}, {"elapsed_seconds": "soon"}):
        resp = client.post("/api/v1/scoring/written", headers=headers, json={**base, "context": context})
        assert resp.status_code == 422, (context, resp.get_json())
        assert "context" in resp.get_json()["error"]["details"]
    typed = {"item_type": "typing", "answer": "x", "item": {}, "context": {"elapsed_seconds": 60}}
    assert client.post("/api/v1/scoring/written", headers=headers, json=typed).status_code == 202


def test_a_stored_context_with_a_version_is_scored_under_the_current_one():
    from jobs.answer_scoring import run_engine

    inputs = {"item_type": "sentence_completion", "answer": "postponed", "item": SENTENCE}
    result = run_engine("written", {**inputs, "context": {"version": "writing-v0"}})
    assert result["scoring_version"] == "writing-v2"
    assert result["score"] == 1.0


def test_an_item_that_cannot_be_stored_is_refused_not_a_server_error(client, make_user, auth_header):
    headers = auth_header(make_user("superadmin"))
    base = {"item_type": "dictation", "answer": "the text"}
    for item, reason in (
        ({"text": "x", "a\u0000b": 1}, "no NUL character"),
        ({"text": "x", "$where": 1}, "none starting with '$'"),
        ({"text": "x", "n": 2**70}, "an integer beyond 64 bits"),
    ):
        resp = client.post("/api/v1/scoring/written", headers=headers, json={**base, "item": item})
        assert resp.status_code == 422, resp.get_json()
        assert reason in resp.get_json()["error"]["details"]["item"][0]
