"""Bulk state changes in the outbox: a dispatch group is claimed with one write, a claim is
marked sent (or released) with one write, and the provider's ids live in one receipt.

Writes are counted with a PyMongo command listener on a second client to the same server,
so these tests see what the server is asked to do, not what the code says it does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pymongo import MongoClient, monitoring

from jobs.notifications import DispatchOptions, dispatch_batch
from store import migrations, notification_receipts, preferences
from store import notifications as outbox

from .helpers import invitation, reminder

FAST = DispatchOptions(backoff_base_seconds=0.2, backoff_cap_seconds=2.0, claim_seconds=60)
WRITE_COMMANDS = {"insert", "update", "delete", "findAndModify"}


class WriteCounter(monitoring.CommandListener):
    """Per collection: write commands sent, and the statements (documents or updates) in them."""

    def __init__(self) -> None:
        self.commands: dict[str, int] = {}
        self.statements: dict[str, int] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in WRITE_COMMANDS:
            return
        collection = event.command[event.command_name]
        body = event.command.get("updates") or event.command.get("documents") or event.command.get("deletes") or [1]
        self.commands[collection] = self.commands.get(collection, 0) + 1
        self.statements[collection] = self.statements.get(collection, 0) + len(body)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reset(self) -> None:
        self.commands.clear()
        self.statements.clear()


@pytest.fixture
def counted(outbox_db):
    """(the same database through a client whose writes are counted, the counter)."""
    counter = WriteCounter()
    client = MongoClient(_url(outbox_db), tz_aware=True, event_listeners=[counter])
    yield client[outbox_db.name], counter
    client.close()


def _url(db) -> str:
    host, port = db.client.address
    return f"mongodb://{host}:{port}/"


def _enqueue_group(db, news) -> tuple[str, list[str]]:
    enqueued = outbox.enqueue_many(db, news, group_size=1000)
    ((group, ids),) = enqueued.groups.items()
    return group, [str(oid) for oid in ids]


def test_a_group_of_emails_costs_one_claim_write_and_one_sent_write(counted, fake_brevo, brevo_sender):
    db, counter = counted
    group, ids = _enqueue_group(db, [invitation(i) for i in range(40)])
    counter.reset()
    outcome = dispatch_batch(db, ids, brevo_sender, group=group, options=FAST)
    assert sorted(outcome.sent) == sorted(ids)
    assert outcome.provider_calls == 1
    # claim (one update_many) + sent (one update_many): two statements for forty messages
    assert counter.commands[outbox.COLLECTION] == 2
    assert counter.statements[outbox.COLLECTION] == 2
    assert counter.statements[notification_receipts.COLLECTION] == 1
    docs = outbox.get_many(db, ids)
    assert {doc["state"] for doc in docs} == {"sent"}
    assert len({doc["claim_id"] for doc in docs}) == 1
    assert all(doc["attempts"] == 1 and doc["template_version"] for doc in docs)
    assert "sealed" not in str([doc["params"] for doc in docs])  # secrets dropped by the same write
    # each message still answers with its own provider id, joined from the one receipt
    assert len({doc["provider_message_id"] for doc in docs}) == 40
    assert None not in {doc["provider_message_id"] for doc in docs}


def test_a_rejected_retryable_batch_is_released_with_one_write(counted, fake_brevo, brevo_sender):
    db, counter = counted
    group, ids = _enqueue_group(db, [invitation(i) for i in range(10)])
    fake_brevo.fail_next("500")
    counter.reset()
    outcome = dispatch_batch(db, ids, brevo_sender, group=group, options=FAST)
    assert sorted(outcome.retry_ids) == sorted(ids)
    assert counter.statements[outbox.COLLECTION] == 2  # the claim, then the release
    docs = outbox.get_many(db, ids)
    assert {doc["state"] for doc in docs} == {"queued"}
    assert {doc["last_error"]["code"] for doc in docs} == {"provider_unavailable"}
    assert all(doc["provider_message_id"] is None for doc in docs)


def test_a_group_dispatch_sends_only_what_is_due_and_unheld(outbox_db, fake_brevo, brevo_sender):
    news = [invitation(i) for i in range(4)] + [reminder(5)]
    group, ids = _enqueue_group(outbox_db, news)
    deferred, held, opted_out = ids[1], ids[2], ids[4]
    now = outbox.utcnow()
    outbox.defer(outbox_db, [outbox.to_object_id(deferred)], now + timedelta(hours=1))
    other = outbox.Claim("someone-else", "other-worker", now, now + timedelta(minutes=5))
    assert outbox.claim(outbox_db, [outbox.to_object_id(held)], other)
    preferences.set_opt_out(outbox_db, "u5", kind="test_reminder")

    outcome = dispatch_batch(outbox_db, ids, brevo_sender, group=group, options=FAST)

    assert sorted(outcome.sent) == sorted([ids[0], ids[3]])
    assert outcome.suppressed == [opted_out]
    assert deferred in outcome.retry_in
    assert held in outcome.skipped
    states = {str(doc["_id"]): doc["state"] for doc in outbox.get_many(outbox_db, ids)}
    assert states == {ids[0]: "sent", deferred: "queued", held: "sending", ids[3]: "sent", opted_out: "suppressed"}
    assert outbox.get(outbox_db, held)["claim_id"] == "someone-else"


def test_provider_ids_stored_before_receipts_move_into_them(outbox_db):
    doc, _ = outbox.enqueue(outbox_db, invitation(1))
    # a message as sent by the code before migration 2: its provider id on the document
    outbox_db[outbox.COLLECTION].update_one(
        {"_id": doc["_id"]},
        {"$set": {"state": "sent", "provider": "brevo", "claim_id": "old-claim", "provider_message_id": "<m1@brevo>"}},
    )
    migrations.apply_all(outbox_db)
    assert outbox.get(outbox_db, doc["_id"])["provider_message_id"] == "<m1@brevo>"
    assert "provider_message_id" not in outbox_db[outbox.COLLECTION].find_one({"_id": doc["_id"]})


def test_a_receipt_recorded_again_for_a_replayed_claim_is_one_receipt(outbox_db):
    doc, _ = outbox.enqueue(outbox_db, invitation(1))
    now = outbox.utcnow()
    notification_receipts.record(outbox_db, "claim-1", "brevo", "email", {doc["_id"]: "<first>"}, now)
    notification_receipts.record(outbox_db, "claim-1", "brevo", "email", {doc["_id"]: "<same call>"}, now)
    assert outbox_db[notification_receipts.COLLECTION].count_documents({}) == 1
    assert notification_receipts.provider_ids_for(outbox_db, ["claim-1"]) == {("claim-1", doc["_id"]): "<same call>"}
