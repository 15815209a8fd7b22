from datetime import datetime

import pytest

from store import notifications as outbox
from store import preferences

from .helpers import invitation, reminder


def test_enqueue_twice_with_the_same_key_creates_one_message(outbox_db):
    first, created = outbox.enqueue(outbox_db, invitation(1))
    again, created_again = outbox.enqueue(outbox_db, invitation(1, params={"changed": True}))
    assert created
    assert not created_again
    assert again["_id"] == first["_id"]
    assert outbox_db[outbox.COLLECTION].count_documents({}) == 1
    # Another channel or another subject entity is another message.
    outbox.enqueue(outbox_db, invitation(1, channel="sms"))
    outbox.enqueue(outbox_db, invitation(1, subject_entity="invite:other"))
    assert outbox_db[outbox.COLLECTION].count_documents({}) == 3


def test_enqueued_document_has_the_documented_shape(outbox_db):
    doc, _ = outbox.enqueue(outbox_db, reminder(4))
    stored = outbox.get(outbox_db, doc["_id"])
    assert stored["idempotency_key"] == "test_reminder:email:user:u4:test:t1:2025-01-31"
    assert stored["state"] == "queued"
    assert stored["attempts"] == 0
    assert stored["recipient"] == {
        "user_id": "u4",
        "email": "student4@school.test",
        "mobile": "+91 98765 00004",
        "name": "Student 4",
    }
    assert stored["template"] == "test_reminder"
    assert stored["provider_message_id"] is None
    assert isinstance(stored["created_at"], datetime)
    assert stored["created_at"].utcoffset().total_seconds() == 0


def test_key_without_user_uses_the_address(outbox_db):
    doc, _ = outbox.enqueue(outbox_db, invitation(2, user_id=None, email="New.Person@School.test"))
    assert doc["idempotency_key"] == "invitation:email:new.person@school.test:invite:2"
    with pytest.raises(ValueError, match="needs the recipient's address"):
        outbox.enqueue(outbox_db, invitation(3, channel="sms", mobile=None))


def test_enqueue_many_is_idempotent_too(outbox_db):
    first = outbox.enqueue_many(outbox_db, [invitation(i) for i in range(5)], group_size=1000)
    assert first.created == 5
    assert len(set(first.ids)) == 5
    again = outbox.enqueue_many(outbox_db, [invitation(i) for i in range(7)], group_size=1000)
    assert again.created == 2
    assert again.ids[:5] == first.ids
    assert outbox_db[outbox.COLLECTION].count_documents({}) == 7
    (new_group,) = again.groups.values()  # only the new messages are in the groups to dispatch
    assert new_group == again.ids[5:]


def test_enqueue_many_groups_each_channel_in_provider_batches(outbox_db):
    news = [invitation(i) for i in range(5)] + [invitation(i, channel="sms") for i in range(3)]
    enqueued = outbox.enqueue_many(outbox_db, news, group_size=2)
    groups = list(enqueued.groups.values())
    assert [len(group) for group in groups] == [2, 2, 1, 2, 1]
    assert [oid for group in groups for oid in group] == enqueued.ids
    for group, ids in enqueued.groups.items():
        docs = outbox.get_many(outbox_db, ids)
        assert {doc["dispatch_group"] for doc in docs} == {group}
        assert len({doc["channel"] for doc in docs}) == 1


def test_requeue_only_failed_messages(outbox_db):
    doc, _ = outbox.enqueue(outbox_db, invitation(1))
    assert outbox.requeue_failed(outbox_db, doc["_id"]) is None  # queued: nothing to do
    outbox.mark_failed(outbox_db, [doc["_id"]], {"code": "rejected"}, from_states=("queued",))
    again = outbox.requeue_failed(outbox_db, str(doc["_id"]))
    assert again["state"] == "queued"
    assert again["attempts"] == 0


def test_preferences_round_trip(outbox_db):
    assert preferences.channel_switches(outbox_db) == {"email": True, "sms": True}
    preferences.set_channel_enabled(outbox_db, "sms", enabled=False)
    assert preferences.channel_switches(outbox_db) == {"email": True, "sms": False}
    preferences.set_opt_out(outbox_db, "u1", channel="email", kind="test_reminder")
    preferences.set_opt_out(outbox_db, "u1", channel="sms")
    preferences.set_opt_out(outbox_db, "u1", channel="sms", opted_out=False)
    assert preferences.opt_outs_for(outbox_db, ["u1", "u2"]) == {"u1": {"email:test_reminder"}}
