"""The item bank: content checked per type, who manages which items, versions of used items,
retiring instead of deleting, prompt audio (rendered, uploaded, refused), and text search."""

from __future__ import annotations

import io
import subprocess
import uuid

import pytest

from tests.assessment.conftest import ITEMS, wait_until
from tests.identity.conftest import error_of


def _audio_ready(client, item_id: str, headers: dict) -> dict:
    return wait_until(
        lambda: (
            (body := client.get(f"/api/v1/items/{item_id}", headers=headers).get_json())["prompt_audio"]["state"]
            in ("ready", "failed")
            and body
        )
    )


@pytest.mark.parametrize(
    ("item_type", "content", "field"),
    [
        ("mcq", {"question": "q", "options": ["a", "b"], "answer": 2}, "answer"),
        ("mcq", {"question": "q", "options": ["only one"], "answer": 0}, "options"),
        ("sentence_completion", {"sentence": "No gap here.", "acceptable_answers": ["x"]}, "sentence"),
        ("short_answer", {"question": "When?", "accepted_answers": []}, "accepted_answers"),
        ("email_writing", {"prompt": "Write.", "points": [{"id": "a", "description": "d"}]}, "points"),
        ("read_aloud", {"text": "Hi", "extra": 1}, "extra"),
        ("sentence_builds", {"phrases": ["one phrase"], "text": "one phrase"}, "phrases"),
    ],
)
def test_content_is_checked_against_its_type(client, org, item_type, content, field):
    resp = client.post(
        "/api/v1/items",
        json={"type": item_type, "level": "beginner", "content": content},
        headers=org.headers["campus_admin"],
    )
    assert resp.status_code == 422, resp.get_json()
    assert field in error_of(resp)["details"]["content"]


def test_who_manages_which_items(client, org, make_item):
    mine = make_item("read_aloud")
    assert mine["campus_id"] == org.ids["campus"]
    shared = make_item("read_aloud", headers=org.headers["superadmin"])
    assert shared["campus_id"] is None
    elsewhere = make_item("read_aloud", headers=org.headers["other_campus_admin"])
    campus_admin, course_admin = org.headers["campus_admin"], org.headers["course_admin"]
    # A campus admin reads the shared bank but changes only its own campus's items.
    assert client.get(f"/api/v1/items/{shared['id']}", headers=campus_admin).status_code == 200
    assert (
        client.patch(f"/api/v1/items/{shared['id']}", json={"level": "advanced"}, headers=campus_admin).status_code
        == 403
    )
    assert client.get(f"/api/v1/items/{elsewhere['id']}", headers=campus_admin).status_code == 404
    assert (
        client.patch(f"/api/v1/items/{mine['id']}", json={"level": "advanced"}, headers=campus_admin).status_code == 200
    )
    # Course admins read; students see no item bank at all.
    assert client.get(f"/api/v1/items/{mine['id']}", headers=course_admin).status_code == 200
    assert client.post("/api/v1/items", json=ITEMS["repeat"], headers=course_admin).status_code == 403
    assert client.get("/api/v1/items", headers=org.headers["student_1"]).status_code == 403
    foreign = client.post(
        "/api/v1/items", json={**ITEMS["repeat"], "campus_id": org.ids["other_campus"]}, headers=campus_admin
    )
    assert foreign.status_code == 422


def test_editing_a_used_item_makes_a_new_version_and_deleting_retires_it(client, org, make_item, make_test):
    item = make_item("read_aloud")
    unused = make_item("read_aloud")
    make_test([{"item_ids": [item["id"]]}])
    headers = org.headers["campus_admin"]
    edited = client.patch(
        f"/api/v1/items/{item['id']}", json={"content": {"text": "A new sentence to read."}}, headers=headers
    ).get_json()
    assert edited["id"] != item["id"]
    assert (edited["version"], edited["replaces"], edited["family_id"]) == (2, item["id"], item["family_id"])
    old = client.get(f"/api/v1/items/{item['id']}", headers=headers).get_json()
    assert old["retired"] is True
    assert old["content"]["text"] == ITEMS["read_aloud"]["content"]["text"]  # the version results point at
    again = client.patch(f"/api/v1/items/{item['id']}", json={"level": "advanced"}, headers=headers)
    assert again.status_code == 409
    assert error_of(again)["code"] == "item_retired"
    # Deleting: an unused item goes, a used one stays readable and retired.
    assert client.delete(f"/api/v1/items/{unused['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/items/{unused['id']}", headers=headers).status_code == 404
    used = make_item("read_aloud")
    make_test([{"item_ids": [used["id"]]}])
    assert client.delete(f"/api/v1/items/{used['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/items/{used['id']}", headers=headers).get_json()["retired"] is True
    listed = client.get("/api/v1/items", query_string={"per_page": 200}, headers=headers).get_json()
    assert used["id"] not in {i["id"] for i in listed["items"]}


def test_search_and_filters(client, org, make_item):
    word = f"zebra{uuid.uuid4().hex[:6]}"
    found = make_item("repeat", content={"text": f"The {word} crossed the road."}, module="listening")
    make_item("mcq")
    headers = org.headers["campus_admin"]
    by_text = client.get("/api/v1/items", query_string={"q": word.upper()}, headers=headers).get_json()
    assert [i["id"] for i in by_text["items"]] == [found["id"]]
    by_module = client.get(
        "/api/v1/items", query_string={"module": "listening", "type": "repeat"}, headers=headers
    ).get_json()
    assert found["id"] in {i["id"] for i in by_module["items"]}
    assert all(i["type"] == "repeat" for i in by_module["items"])


def test_an_uploaded_recording_replaces_the_synthetic_voice(client, org, worker, make_item, tmp_path):
    item = make_item("repeat")
    headers = org.headers["campus_admin"]
    assert _audio_ready(client, item["id"], headers)["prompt_audio"]["source"] == "tts"
    recording = tmp_path / "recording.ogg"
    subprocess.run(
        ["sox", "-n", "-r", "16000", "-c", "1", str(recording), "synth", "1.5", "sine", "440"], check=True, timeout=60
    )
    resp = client.put(
        f"/api/v1/items/{item['id']}/audio",
        headers=headers,
        content_type="multipart/form-data",
        data={"audio": (io.BytesIO(recording.read_bytes()), "mine.ogg")},
    )
    assert resp.status_code == 202, resp.get_json()
    done = wait_until(
        lambda: (
            (b := client.get(resp.headers["Location"], headers=headers).get_json())["state"] in ("succeeded", "failed")
            and b
        )
    )
    assert done["state"] == "succeeded", done
    audio = client.get(f"/api/v1/items/{item['id']}", headers=headers).get_json()["prompt_audio"]
    assert (audio["state"], audio["source"]) == ("ready", "upload")
    assert 1.0 < audio["duration_seconds"] < 2.0


def test_a_file_that_is_not_audio_is_refused_at_once(client, org, make_item):
    item = make_item("repeat")
    resp = client.put(
        f"/api/v1/items/{item['id']}/audio",
        headers=org.headers["campus_admin"],
        content_type="multipart/form-data",
        data={"audio": (io.BytesIO(b"%PDF-1.4 not audio at all" * 20), "voice.mp3")},
    )
    assert resp.status_code == 415
    assert error_of(resp)["code"] == "unsupported_media_type"
