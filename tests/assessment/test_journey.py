"""The whole journey through real workers: item bank with prompt audio -> test -> assignment
(message in the outbox) -> attempt -> spoken, written and multiple-choice answers -> finish ->
scored -> released (message in the outbox) -> report downloaded and read. Every body the
student receives on the way is kept and searched for reference answers at the end."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

from tests.assessment.conftest import speak, wait_until


def _job(client, headers: dict, location: str, timeout: float = 120) -> dict:
    return wait_until(lambda: _finished(client.get(location, headers=headers).get_json()), timeout=timeout)


def _finished(body: dict) -> dict | None:
    return body if body["state"] not in ("queued", "running") else None


def _outbox(outbox_dir, kind: str, email: str) -> list[dict]:
    found = []
    for path in outbox_dir.glob("email-*.json"):
        message = json.loads(path.read_text())
        if message.get("template") == kind and message.get("to") == email:
            found.append(message)
    return found


def test_a_test_from_start_to_end(client, org, worker, make_item, make_test, outbox_dir, tmp_path):  # noqa: PLR0915
    admin, student = org.headers["campus_admin"], org.headers["student_1"]
    seen_by_student: list[dict] = []

    def as_student(resp):
        seen_by_student.append({"status": resp.status_code, "body": resp.get_json()})
        return resp

    # 1. The item bank: items a student hears get prompt audio from a job.
    read_aloud, repeat = make_item("read_aloud"), make_item("repeat")
    make_item("mcq")  # the bank the drawn section takes its one mcq from
    completion = make_item("sentence_completion")
    assert repeat["prompt_audio"]["state"] == "pending"
    assert read_aloud["prompt_audio"]["state"] == "none"
    ready = wait_until(
        lambda: (
            (body := client.get(f"/api/v1/items/{repeat['id']}", headers=admin).get_json())["prompt_audio"]["state"]
            == "ready"
            and body
        )
    )
    assert ready["prompt_audio"]["source"] == "tts"
    assert ready["prompt_audio"]["duration_seconds"] > 0.5
    with urllib.request.urlopen(ready["prompt_audio"]["url"]) as audio:  # a presigned link to the MP3
        head = audio.read(3)
    assert head == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")  # an ID3 tag or an MPEG frame

    # 2. A test: fixed sections and a drawn one, results released by hand.
    test = make_test(
        [{"item_ids": [read_aloud["id"], repeat["id"]]}, {"type": "mcq", "count": 1}, {"item_ids": [completion["id"]]}]
    )

    # 3. Assign the batch: its two students, each told once.
    assigned = client.post(
        f"/api/v1/tests/{test['id']}/assignments", json={"batch_ids": [org.ids["batch"]]}, headers=admin
    )
    assert assigned.status_code == 200, assigned.get_json()
    assert assigned.get_json()["assigned"] == 2
    email = org.users["student_1"]["email"]
    wait_until(lambda: _outbox(outbox_dir, "test_assigned", email))
    message = _outbox(outbox_dir, "test_assigned", email)[0]
    assert message["params"]["test_name"] == test["title"]
    assert message["params"]["test_url"].endswith(f"/tests/{test['id']}")

    # 4. The student sees the test, starts it, and a second start resumes the same attempt.
    mine = as_student(client.get("/api/v1/me/tests", headers=student)).get_json()
    listed = next(t for t in mine["items"] if t["id"] == test["id"])
    assert (listed["state"], listed["attempts_left"]) == ("not_started", 1)
    started = as_student(client.post(f"/api/v1/tests/{test['id']}/attempts", headers=student))
    assert started.status_code == 201, started.get_json()
    attempt = started.get_json()
    again = as_student(client.post(f"/api/v1/tests/{test['id']}/attempts", headers=student))
    assert again.status_code == 200
    assert [i["id"] for i in again.get_json()["items"]] == [i["id"] for i in attempt["items"]]
    items = {item["type"]: item for item in attempt["items"]}
    assert set(items) == {"read_aloud", "repeat", "mcq", "sentence_completion"}
    assert items["repeat"]["prompt_audio_url"]
    assert not items["repeat"]["prompt"]
    assert items["mcq"]["options"] == ["tiny", "huge", "thin"]

    # 5. Answers: spoken as audio, written as text, multiple choice as a choice.
    base = f"/api/v1/attempts/{attempt['id']}/answers"
    jobs = [
        as_student(
            client.put(
                f"{base}/{items['read_aloud']['id']}",
                headers=student,
                content_type="multipart/form-data",
                data={"audio": (io.BytesIO(speak(tmp_path, read_aloud["content"]["text"])), "a.wav")},
            )
        ),
        as_student(
            client.put(
                f"{base}/{items['repeat']['id']}",
                headers=student,
                content_type="multipart/form-data",
                data={"audio": (io.BytesIO(speak(tmp_path, repeat["content"]["text"])), "b.wav")},
            )
        ),
        as_student(client.put(f"{base}/{items['mcq']['id']}", headers=student, json={"choice": 1})),
        as_student(
            client.put(f"{base}/{items['sentence_completion']['id']}", headers=student, json={"text": "postponed"})
        ),
    ]
    for resp in jobs:
        assert resp.status_code == 202, resp.get_json()
        done = _job(client, student, resp.headers["Location"])
        seen_by_student.append({"status": 200, "body": done})
        assert done["state"] == "succeeded", done
        assert done["result"] == {
            "attempt_id": attempt["id"],
            "item_id": done["result"]["item_id"],
            "answer_state": "scored",
        }

    # 6. Finish; the result waits for release.
    finished = as_student(client.post(f"/api/v1/attempts/{attempt['id']}/finish", headers=student))
    assert finished.status_code == 202
    _job(client, student, finished.headers["Location"])
    pending = as_student(client.get(f"/api/v1/attempts/{attempt['id']}/result", headers=student))
    assert (pending.status_code, pending.get_json()) == (202, {"state": "awaiting_release"})

    # 7. Release: the student is told once and sees the result.
    released = client.post(f"/api/v1/tests/{test['id']}/release", headers=admin)
    assert released.status_code == 202
    assert _job(client, admin, released.headers["Location"])["result"] == {"released": 1}
    wait_until(lambda: _outbox(outbox_dir, "results_released", email))
    result = as_student(client.get(f"/api/v1/attempts/{attempt['id']}/result", headers=student))
    assert result.status_code == 200, result.get_json()
    body = result.get_json()
    assert 20 <= body["overall"] <= 80
    assert {"sentence_mastery", "fluency", "pronunciation", "vocabulary", "grammar"} <= set(body["subscores"])
    scores = {item["type"]: item["score"] for item in body["items"]}
    assert scores["mcq"] == 80, body
    assert scores["sentence_completion"] == 80
    assert scores["read_aloud"] > 20
    assert scores["repeat"] > 20

    # 8. The admin's results list and the report: every assigned student, attempted or not.
    rows = client.get(f"/api/v1/tests/{test['id']}/results", headers=admin).get_json()
    assert [(row["student_id"], row["result_state"]) for row in rows["items"]] == [(org.ids["student_1"], "released")]
    report = client.post(f"/api/v1/tests/{test['id']}/reports", json={"format": "csv"}, headers=admin)
    assert report.status_code == 202
    done = _job(client, admin, report.headers["Location"])
    assert done["state"] == "succeeded", done
    with urllib.request.urlopen(done["result"]["download_url"]) as download:
        table = list(csv.DictReader(io.StringIO(download.read().decode("utf-8-sig"))))
    by_roll = {row["roll_number"]: row for row in table}
    assert set(by_roll) == {org.users["student_1"]["roll_number"], org.users["student_2"]["roll_number"]}
    assert by_roll[org.users["student_1"]["roll_number"]]["overall"] == str(body["overall"])
    assert by_roll[org.users["student_2"]["roll_number"]]["state"] == "not_started"

    # 9. Nothing the student received holds a reference answer.
    received = json.dumps(seen_by_student)
    for secret in (
        repeat["content"]["text"],
        'postponed"',
        "moved",
        '"answer"',
        "accepted",
        "acceptable",
        "expected_text",
        "audio_text",
    ):
        assert secret not in received, secret
