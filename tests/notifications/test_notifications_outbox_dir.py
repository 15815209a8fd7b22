import json
import logging

from jobs.notifications import dispatch_batch
from store import notifications as outbox
from workers.notifications import OutboxDirSender

from .helpers import enqueue_all, invitation, reminder

KEYS = {"to", "channel", "subject", "text", "html", "template", "params"}


def test_each_message_is_one_json_file_with_the_contract_keys(outbox_db, tmp_path, caplog):
    sender = OutboxDirSender(tmp_path / "outbox")
    ids = enqueue_all(outbox_db, [invitation(1, name="<i>Ann</i>"), reminder(2, channel="sms")])
    with caplog.at_level(logging.INFO, logger="workers.notifications"):
        outcome = dispatch_batch(outbox_db, ids, sender)
    assert sorted(outcome.sent) == sorted(ids)
    files = sorted((tmp_path / "outbox").glob("*.json"))
    assert len(files) == 2
    records = {json.loads(path.read_text())["channel"]: json.loads(path.read_text()) for path in files}
    assert set(records["email"]) == KEYS
    assert set(records["sms"]) == KEYS
    email, sms = records["email"], records["sms"]
    assert email["to"] == "student1@school.test"
    assert email["template"] == "invitation"
    assert "&lt;i&gt;Ann&lt;/i&gt;" in email["html"]
    assert "https://versant.test/invite/abc" in email["text"]
    assert email["params"]["invite_url"] == "https://versant.test/invite/abc"
    assert sms["to"] == "+91 98765 00002"
    assert sms["subject"] is None
    assert sms["html"] is None
    assert "Unit 3" in sms["text"]
    # Logged, but masked.
    assert "outbox email invitation" in caplog.text
    assert "student1@school.test" not in caplog.text
    assert "98765 00002" not in caplog.text
    provider_ids = {doc["provider_message_id"] for doc in outbox.get_many(outbox_db, ids)}
    assert all(pid.startswith("outbox-") for pid in provider_ids)


def test_a_rerun_writes_no_second_file(outbox_db, tmp_path):
    sender = OutboxDirSender(tmp_path)
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(3)])
    dispatch_batch(outbox_db, ids, sender)
    dispatch_batch(outbox_db, ids, sender)
    assert len(list(tmp_path.glob("*.json"))) == 3
