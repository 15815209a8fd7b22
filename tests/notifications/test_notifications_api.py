"""GET /api/v1/notifications and POST /api/v1/notifications/<id>/resend: scoping, filters,
masking and bad input (no worker needed: these endpoints only read and requeue)."""

from __future__ import annotations

import uuid

import pytest
from bson import ObjectId

from services.notify import NotifyRequest, notify_many
from store import notifications as outbox
from tests.notifications.helpers import make_student


@pytest.fixture
def messages(db, notify_org):
    """An invitation to a student of campus A (email + SMS) and one of campus B (email)."""
    student_a = make_student(db, notify_org, "A", mobile="+919876500001")
    student_b = make_student(db, notify_org, "B")
    token = f"secret-{uuid.uuid4().hex}"
    result = notify_many(
        db,
        [
            NotifyRequest(
                "invitation",
                student_a,
                {"token": token, "expires_at": "2030-01-01T00:00:00"},
                f"invitation:{uuid.uuid4().hex[:8]}",
            ),
            NotifyRequest(
                "invitation",
                student_b,
                {"token": token, "expires_at": "2030-01-01T00:00:00"},
                f"invitation:{uuid.uuid4().hex[:8]}",
            ),
        ],
        kick=False,
    )
    return {"a": student_a, "b": student_b, "token": token, "ids": [str(i) for i in result.message_ids]}


def _list(client, headers, **query):
    return client.get("/api/v1/notifications", headers=headers, query_string=query)


def _ids_for(client, headers, user: dict) -> set[str]:
    body = _list(client, headers, user_id=str(user["_id"])).get_json()
    return {item["id"] for item in body["items"]}


def test_superadmin_lists_every_message_with_filters(client, auth_header, notify_org, messages):
    headers = auth_header(notify_org.users["superadmin"])
    assert len(_ids_for(client, headers, messages["a"])) == 2
    assert len(_ids_for(client, headers, messages["b"])) == 1
    body = _list(client, headers, user_id=str(messages["a"]["_id"]), channel="sms").get_json()
    assert body["total"] == 1
    assert body["items"][0]["channel"] == "sms"
    assert body["page"] == 1
    assert body["per_page"] == 50
    body = _list(
        client, headers, user_id=str(messages["a"]["_id"]), kind="invitation", state="queued", per_page=200
    ).get_json()
    assert body["total"] == 2
    assert body["per_page"] == 200
    assert _list(client, headers, user_id=str(messages["a"]["_id"]), state="sent").get_json()["total"] == 0


def test_params_never_show_tokens_links_or_full_addresses(client, auth_header, notify_org, messages):
    resp = _list(client, auth_header(notify_org.users["superadmin"]), user_id=str(messages["a"]["_id"]))
    text = resp.get_data(as_text=True)
    assert messages["token"] not in text
    assert messages["a"]["email"] not in text
    assert "9876500001" not in text
    item = next(i for i in resp.get_json()["items"] if i["channel"] == "email")
    assert not {"token", "invite_url", "sealed"} & set(item["params"])
    assert item["params"]["expires_at"].startswith("on 01 Jan 2030")
    assert item["to"].startswith("s***@")


def test_campus_and_course_admins_see_only_their_part(client, auth_header, notify_org, messages):
    for role in ("campus_admin", "course_admin"):
        headers = auth_header(notify_org.users[role])
        assert len(_ids_for(client, headers, messages["a"])) == 2, role
        assert _ids_for(client, headers, messages["b"]) == set(), role


def test_students_may_not_list_notifications(client, db, auth_header, notify_org):
    student = make_student(db, notify_org, "A", password_hash=notify_org.users["superadmin"]["password_hash"])
    assert _list(client, auth_header(student)).status_code == 403
    assert client.get("/api/v1/notifications").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"state": "lost"}, "state"),
        ({"kind": "spam"}, "kind"),
        ({"per_page": 201}, "per_page"),
        ({"page": 0}, "page"),
        ({"user_id": ""}, "user_id"),
    ],
)
def test_bad_list_filters_are_422(client, auth_header, notify_org, query, field):
    resp = _list(client, auth_header(notify_org.users["superadmin"]), **query)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "validation_error"
    assert field in resp.get_json()["error"]["details"]


def _fail(db, message_id: str) -> None:
    error = {"code": "rejected", "message": "invalid email", "status": 400, "retryable": False}
    assert outbox.mark_failed(db, [ObjectId(message_id)], error, from_states=("queued",))


def test_resend_requeues_a_failed_message_once(client, db, auth_header, notify_org, messages):
    headers = auth_header(notify_org.users["campus_admin"])
    message_id = messages["ids"][0]
    _fail(db, message_id)
    resp = client.post(f"/api/v1/notifications/{message_id}/resend", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["state"] == "queued"
    assert resp.get_json()["attempts"] == 0
    again = client.post(f"/api/v1/notifications/{message_id}/resend", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "not_failed"


def test_resend_refuses_sent_and_unknown_and_out_of_scope(client, db, auth_header, notify_org, messages):
    headers = auth_header(notify_org.users["campus_admin"])
    db[outbox.COLLECTION].update_one({"_id": ObjectId(messages["ids"][0])}, {"$set": {"state": "sent"}})
    sent = client.post(f"/api/v1/notifications/{messages['ids'][0]}/resend", headers=headers)
    assert sent.status_code == 409
    assert sent.get_json()["error"]["details"] == {"state": "sent"}
    for bad in (str(ObjectId()), "not-an-id"):
        assert client.post(f"/api/v1/notifications/{bad}/resend", headers=headers).status_code == 404
    campus_b_message = messages["ids"][2]
    _fail(db, campus_b_message)
    assert client.post(f"/api/v1/notifications/{campus_b_message}/resend", headers=headers).status_code == 404
    read_only = auth_header(notify_org.users["course_admin"])
    assert client.post(f"/api/v1/notifications/{campus_b_message}/resend", headers=read_only).status_code == 403
