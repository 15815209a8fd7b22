"""End to end through a real Celery worker (with beat): identity's invitation reaches the
outbox directory or the fake Brevo server; a worker killed mid-batch sends each message once."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from devstack.fake_brevo import EMAIL_PATH
from store import notifications as outbox
from tests.notifications.helpers import wait_until


def _create_student(client, auth_header, org, **extra) -> dict:
    suffix = uuid.uuid4().hex[:8]
    body = {
        "name": f"Asha {suffix}",
        "roll_number": f"E{suffix}".upper(),
        "email": f"asha.{suffix}@school.example.edu",
        "batch_id": org.ids["batchA"],
        "course_id": org.ids["courseA"],
        **extra,
    }
    resp = client.post("/api/v1/students", headers=auth_header(org.users["superadmin"]), json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _messages_for(db, user_id: str) -> list[dict]:
    ids = [doc["_id"] for doc in db[outbox.COLLECTION].find({"recipient.user_id": user_id}, {"_id": 1})]
    return sorted(outbox.get_many(db, ids), key=lambda doc: doc["channel"])


def _all_sent(db, user_id: str, count: int):
    docs = _messages_for(db, user_id)
    return docs if len(docs) == count and all(d["state"] == "sent" for d in docs) else None


def test_an_invitation_arrives_as_outbox_files(client, db, auth_header, notify_org, start_notify_worker, tmp_path):
    start_notify_worker("outbox")
    student = _create_student(client, auth_header, notify_org, mobile="+91 98765 43210")
    email_doc, sms_doc = wait_until(lambda: _all_sent(db, student["id"], 2), message="invitation sent")
    assert (email_doc["channel"], sms_doc["channel"]) == ("email", "sms")

    folder = tmp_path / "outbox"
    email = json.loads((folder / f"email-{email_doc['_id']}.json").read_text())
    sms = json.loads((folder / f"sms-{sms_doc['_id']}.json").read_text())
    token = email["params"]["token"]
    for doc in (email_doc, sms_doc):  # sent: nothing in the database opens the account any more
        assert "sealed" not in doc["params"]
        assert token not in str(doc)
    assert email["to"] == student["email"]
    assert email["channel"] == "email"
    assert email["template"] == "invitation"
    assert f"token={token}" in email["text"]
    assert f"token={token}" in email["html"]
    assert email["subject"]
    assert sms["to"] == "+919876543210"
    assert f"token={token}" in sms["text"]


def test_a_password_reset_request_reaches_the_account_through_a_worker(
    client, db, auth_header, notify_org, start_notify_worker, tmp_path
):
    start_notify_worker("outbox")
    student = _create_student(client, auth_header, notify_org)
    wait_until(lambda: _all_sent(db, student["id"], 1), message="invitation sent")
    resp = client.post("/api/v1/auth/password-reset", json={"login": student["roll_number"].lower()})
    assert resp.status_code == 202

    def reset_sent():
        docs = [d for d in _messages_for(db, student["id"]) if d["kind"] == "password_reset"]
        return docs if docs and docs[0]["state"] == "sent" else None

    (doc,) = wait_until(reset_sent, message="reset link sent")
    email = json.loads((tmp_path / "outbox" / f"email-{doc['_id']}.json").read_text())
    assert email["to"] == student["email"]
    assert "/password-reset/confirm?token=" in email["text"]


def test_an_invitation_is_one_brevo_call(client, db, auth_header, notify_org, start_notify_worker, fake_brevo):
    start_notify_worker("brevo", brevo=fake_brevo)
    student = _create_student(client, auth_header, notify_org)
    (doc,) = wait_until(lambda: _all_sent(db, student["id"], 1), message="invitation sent")
    mine = [call for call in fake_brevo.calls_to(EMAIL_PATH) if student["email"] in json.dumps(call.body)]
    assert len(mine) == 1
    assert mine[0].status == 201
    assert not mine[0].deduplicated
    assert fake_brevo.deliveries().count(student["email"]) == 1
    assert doc["provider"] == "brevo"
    assert doc["provider_message_id"] == mine[0].response["messageId"]
    assert mine[0].headers["api-key"] == "test-key"


def test_a_worker_killed_mid_batch_sends_each_message_once(outbox_db, fake_brevo, start_notify_worker):
    """The provider accepted the batch but the worker died before recording it (the crash
    window). After a restart the expired claim is replayed with the same idempotency key,
    which Brevo de-duplicates: every message is delivered once and ends `sent`."""
    from services import notify
    from services.notify import NotifyRequest, notify_many
    from tasks.publish import kick_notifications

    fake_brevo.fail_next("slow", count=1, hang_seconds=60, path=EMAIL_PATH)
    env = {"MONGO_DB": outbox_db.name}
    worker = start_notify_worker("brevo", brevo=fake_brevo, **env)
    users = [
        {"_id": f"kill-{i}", "name": f"Student {i}", "email": f"kill{i}.{uuid.uuid4().hex[:6]}@school.test"}
        for i in range(5)
    ]
    with notify.kickers_in_use(kick_notifications):  # as a worker process registers it
        result = notify_many(
            outbox_db,
            [
                NotifyRequest(
                    "invitation", user, {"token": f"tok{i}", "expires_at": "2030-01-01T00:00:00"}, f"invitation:k{i}"
                )
                for i, user in enumerate(users)
            ],
        )
    assert result.created == 5
    addresses = [user["email"] for user in users]

    wait_until(lambda: all(fake_brevo.deliveries().count(a) == 1 for a in addresses), message="batch delivered")
    assert {d["state"] for d in outbox.get_many(outbox_db, result.message_ids)} == {"sending"}
    worker.kill()

    start_notify_worker("brevo", brevo=fake_brevo, **env)
    wait_until(
        lambda: {d["state"] for d in outbox.get_many(outbox_db, result.message_ids)} == {"sent"},
        message="all sent after restart",
    )
    assert [fake_brevo.deliveries().count(a) for a in addresses] == [1] * 5
    calls = [call for call in fake_brevo.calls_to(EMAIL_PATH) if addresses[0] in json.dumps(call.body)]
    delivering = [call for call in calls if call.delivered]
    assert len(delivering) == 1
    assert all(call.deduplicated for call in calls if call is not delivering[0])
    keys = {call.body["headers"]["idempotencyKey"] for call in calls}
    assert len(keys) == 1  # the replay re-posted the same request under the same key


def test_a_lost_kick_is_picked_up_by_the_beat_dispatcher(outbox_db, fake_brevo, start_notify_worker):
    """Enqueued with no Celery message at all (the broker was down): beat still sends it."""
    from services.notify import NotifyRequest, notify_many

    user = {"_id": "lost-kick", "name": "Lost Kick", "email": f"lost.{uuid.uuid4().hex[:6]}@school.test"}
    result = notify_many(
        outbox_db,
        [NotifyRequest("invitation", user, {"token": "t", "expires_at": "2030-01-01"}, "invitation:lost")],
        kick=False,
    )
    start_notify_worker("brevo", brevo=fake_brevo, MONGO_DB=outbox_db.name)
    wait_until(lambda: outbox.get(outbox_db, result.message_ids[0])["state"] == "sent", message="sent by beat")
    assert fake_brevo.deliveries().count(user["email"]) == 1


def test_worker_settings_pick_the_backend(tmp_path):
    from config.settings import load_settings
    from jobs.notifications.backend import build_sender

    base = {
        "APP_ENV": "development",
        "SECRET_KEY": "k" * 40,
        "MONGO_URI": "mongodb://x",
        "REDIS_URL": "redis://x",
        "S3_BUCKET": "b",
        "BACKUP_BUCKET": "b-backups",
        "OUTBOX_DIR": str(tmp_path),
    }
    assert build_sender(load_settings(base)).name == "outbox"
    assert build_sender(load_settings({**base, "BREVO_API_KEY": "key"})).name == "brevo"
    assert build_sender(load_settings({**base, "BREVO_API_KEY": "key", "NOTIFY_BACKEND": "outbox"})).name == "outbox"
    assert Path(build_sender(load_settings(base)).directory) == tmp_path
