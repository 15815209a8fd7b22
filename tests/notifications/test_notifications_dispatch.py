"""The dispatcher against the fake Brevo server and a real MongoDB wire-protocol server."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from devstack.fake_brevo import EMAIL_PATH, SMS_PATH
from jobs.notifications import DispatchOptions, dispatch_batch
from store import notifications as outbox
from store import preferences

from .helpers import enqueue_all, invitation, reminder, states

FAST = DispatchOptions(backoff_base_seconds=0.2, backoff_cap_seconds=2.0, claim_seconds=60)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


class CrashingSender:
    """Wraps a sender and dies on the n-th call, before or after the provider got it."""

    def __init__(self, inner, crash_on_call: int, after_provider: bool = True) -> None:
        self.inner, self.crash_on, self.after = inner, crash_on_call, after_provider
        self.name, self.max_email_batch, self.calls = inner.name, inner.max_email_batch, 0

    def send_emails(self, emails, key):
        return self._maybe_crash(lambda: self.inner.send_emails(emails, key))

    def send_sms(self, sms, key):
        return self._maybe_crash(lambda: self.inner.send_sms(sms, key))

    def _maybe_crash(self, call):
        self.calls += 1
        if self.calls == self.crash_on and not self.after:
            raise WorkerKilled
        result = call()
        if self.calls == self.crash_on:
            raise WorkerKilled
        return result


def later(seconds: float):
    return lambda: outbox.utcnow() + timedelta(seconds=seconds)


@pytest.mark.parametrize(("count", "batch"), [(25, 10), (10, 10), (1, 10)])
def test_n_recipients_take_ceil_n_over_batch_calls(outbox_db, fake_brevo, brevo_sender, count, batch):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(count)])
    outcome = dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=batch))
    calls = fake_brevo.calls_to(EMAIL_PATH)
    assert len(calls) == outcome.provider_calls == math.ceil(count / batch)
    assert sorted(outcome.sent) == sorted(ids)
    assert sorted(fake_brevo.deliveries()) == sorted(f"student{i}@school.test" for i in range(count))
    docs = outbox.get_many(outbox_db, ids)
    assert {doc["state"] for doc in docs} == {"sent"}
    assert len({doc["provider_message_id"] for doc in docs}) == count
    assert all(doc["template_version"] and doc["attempts"] == 1 for doc in docs)
    assert all(doc["sent_at"].tzinfo is not None for doc in docs)


def test_a_batch_is_one_call_with_a_version_per_recipient(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i, name=f"<b>Kid {i}</b>") for i in range(3)])
    dispatch_batch(outbox_db, ids, brevo_sender)
    (call,) = fake_brevo.calls
    body = call.body
    assert "textContent" not in body  # a shared text part would leak one student's link to all
    assert [v["to"][0]["email"] for v in body["messageVersions"]] == [f"student{i}@school.test" for i in range(3)]
    assert "&lt;b&gt;Kid 1&lt;/b&gt;" in body["messageVersions"][1]["htmlContent"]
    assert call.headers["api-key"] == "test-key"
    claim_ids = {doc["claim_id"] for doc in outbox.get_many(outbox_db, ids)}
    assert claim_ids == {body["headers"]["idempotencyKey"]}


def test_a_single_email_carries_its_text_part(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1)])
    dispatch_batch(outbox_db, ids, brevo_sender)
    body = fake_brevo.calls[0].body
    assert body["to"] == [{"email": "student1@school.test", "name": "Student 1"}]
    assert "https://versant.test/invite/abc" in body["textContent"]


def test_sms_is_one_call_each(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i, channel="sms") for i in range(3)])
    outcome = dispatch_batch(outbox_db, ids, brevo_sender)
    calls = fake_brevo.calls_to(SMS_PATH)
    assert len(calls) == 3
    assert len(outcome.sent) == 3
    assert calls[0].body["recipient"] == "919876500000"
    assert calls[0].body["unicodeEnabled"] is False
    assert calls[0].body["type"] == "transactional"
    assert {doc["provider_message_id"] for doc in outbox.get_many(outbox_db, ids)} == {"1", "2", "3"}


def test_a_sent_message_is_never_sent_again(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(4)] + [invitation(9, channel="sms")])
    dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2))
    again = dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2))
    assert again.provider_calls == 0
    assert sorted(again.skipped) == sorted(ids)
    assert len(fake_brevo.calls) == 3


def test_crash_after_the_provider_call_mid_batch_sends_each_message_once(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(6)])
    crashing = CrashingSender(brevo_sender, crash_on_call=2)  # dies after Brevo accepted batch 2
    with pytest.raises(WorkerKilled):
        dispatch_batch(outbox_db, ids, crashing, options=DispatchOptions(batch_size=2))
    assert sorted(states(outbox_db, ids).values()) == ["queued"] * 2 + ["sending"] * 2 + ["sent"] * 2
    # The task is redelivered while the claim is still live: hands off.
    early = dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2))
    assert len(early.skipped) == 4
    assert len(early.sent) == 2
    # ...and after the claim expired: batch 2 is replayed with its idempotency key.
    late = dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2), clock=later(120))
    assert len(late.sent) == 2
    assert late.provider_calls == 1
    assert set(states(outbox_db, ids).values()) == {"sent"}
    deliveries = fake_brevo.deliveries()
    assert sorted(deliveries) == sorted(f"student{i}@school.test" for i in range(6))  # once each
    assert [call.deduplicated for call in fake_brevo.calls_to(EMAIL_PATH)] == [False, False, False, True]


def test_crash_after_claim_before_the_call_sends_on_replay(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(3)])
    with pytest.raises(WorkerKilled):
        dispatch_batch(outbox_db, ids, CrashingSender(brevo_sender, 1, after_provider=False))
    assert set(states(outbox_db, ids).values()) == {"sending"}
    outcome = dispatch_batch(outbox_db, ids, brevo_sender, clock=later(120))
    assert sorted(outcome.sent) == sorted(ids)
    assert len(fake_brevo.deliveries()) == 3


def test_expired_sms_claim_goes_to_review_instead_of_resending(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1, channel="sms")])
    with pytest.raises(WorkerKilled):
        dispatch_batch(outbox_db, ids, CrashingSender(brevo_sender, 1))
    outcome = dispatch_batch(outbox_db, ids, brevo_sender, clock=later(120))
    assert outcome.needs_review == ids
    assert outcome.provider_calls == 0
    doc = outbox.get(outbox_db, ids[0])
    assert doc["state"] == "failed"
    assert doc["needs_review"] is True
    assert doc["last_error"]["code"] == "outcome_unknown"
    assert len(fake_brevo.deliveries()) == 1
    # An admin's resend is a deliberate second send.
    outbox.requeue_failed(outbox_db, ids[0])
    assert dispatch_batch(outbox_db, ids, brevo_sender).sent == ids


def test_expired_email_claim_past_the_replay_window_goes_to_review(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(2)])
    with pytest.raises(WorkerKilled):
        dispatch_batch(outbox_db, ids, CrashingSender(brevo_sender, 1))
    outcome = dispatch_batch(outbox_db, ids, brevo_sender, clock=later(3600))
    assert sorted(outcome.needs_review) == sorted(ids)
    assert outcome.provider_calls == 0


def test_429_honours_retry_after_and_pauses_the_channel(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(4)])
    fake_brevo.fail_next("429", retry_after=2)
    outcome = dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2))
    assert outcome.provider_calls == 1  # the second batch waits instead of hitting the limit
    assert sorted(outcome.retry_ids) == sorted(ids)
    assert 1.5 <= outcome.retry_after_seconds <= 2.3
    docs = {str(d["_id"]): d for d in outbox.get_many(outbox_db, ids)}
    assert {d["state"] for d in docs.values()} == {"queued"}
    assert all(d["next_attempt_at"] is not None for d in docs.values())
    assert sorted(d["attempts"] for d in docs.values()) == [0, 0, 1, 1]
    assert docs[ids[0]]["last_error"]["code"] == "rate_limited"
    assert dispatch_batch(outbox_db, ids, brevo_sender).provider_calls == 0  # not due yet
    final = dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2), clock=later(3))
    assert sorted(final.sent) == sorted(ids)
    assert final.provider_calls == 2


def test_500_backs_off_then_succeeds(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1, channel="sms")])
    fake_brevo.fail_next("500", count=2)
    first = dispatch_batch(outbox_db, ids, brevo_sender, options=FAST, rng=lambda: 1.0)
    assert first.retry_in == {ids[0]: pytest.approx(0.2)}
    second = dispatch_batch(outbox_db, ids, brevo_sender, options=FAST, rng=lambda: 1.0, clock=later(1))
    assert second.retry_in == {ids[0]: pytest.approx(0.4)}  # exponential
    third = dispatch_batch(outbox_db, ids, brevo_sender, options=FAST, clock=later(2))
    assert third.sent == ids
    doc = outbox.get(outbox_db, ids[0])
    assert doc["attempts"] == 3
    assert doc["last_error"] is None


def test_retryable_failures_give_up_after_max_attempts(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1)])
    fake_brevo.fail_next("500", count=10)
    options = DispatchOptions(max_attempts=2, backoff_base_seconds=0.1)
    dispatch_batch(outbox_db, ids, brevo_sender, options=options)
    outcome = dispatch_batch(outbox_db, ids, brevo_sender, options=options, clock=later(5))
    assert outcome.failed == ids
    doc = outbox.get(outbox_db, ids[0])
    assert doc["state"] == "failed"
    assert "gave up after 2 attempts" in doc["last_error"]["message"]


def test_an_email_that_hangs_is_replayed_under_the_same_key(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(2)])
    fake_brevo.fail_next("hang", hang_seconds=1.0)
    first = dispatch_batch(outbox_db, ids, brevo_sender, options=FAST)
    assert sorted(first.retry_ids) == sorted(ids)
    docs = outbox.get_many(outbox_db, ids)
    assert {d["state"] for d in docs} == {"sending"}
    assert docs[0]["last_error"]["code"] == "timeout"
    key = fake_brevo.calls[0].body["headers"]["idempotencyKey"]
    second = dispatch_batch(outbox_db, ids, brevo_sender, options=FAST, clock=later(5))
    assert sorted(second.sent) == sorted(ids)
    assert fake_brevo.calls[-1].body["headers"]["idempotencyKey"] == key
    assert len(fake_brevo.deliveries()) == 2


def test_an_sms_that_hangs_is_retried(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1, channel="sms")])
    fake_brevo.fail_next("hang", hang_seconds=1.0)
    first = dispatch_batch(outbox_db, ids, brevo_sender, options=FAST)
    assert first.retry_ids == ids
    assert states(outbox_db, ids) == {ids[0]: "queued"}
    assert dispatch_batch(outbox_db, ids, brevo_sender, options=FAST, clock=later(5)).sent == ids


def test_400_fails_permanently_with_the_reason(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1)])
    fake_brevo.fail_next("400")
    outcome = dispatch_batch(outbox_db, ids, brevo_sender)
    assert outcome.failed == ids
    assert outcome.retry_ids == []
    doc = outbox.get(outbox_db, ids[0])
    assert doc["state"] == "failed"
    assert doc["last_error"]["status"] == 400
    assert "rejected by fake" in doc["last_error"]["message"]
    assert dispatch_batch(outbox_db, ids, brevo_sender).provider_calls == 0


def test_a_bad_address_in_a_batch_fails_only_that_message(outbox_db, fake_brevo, brevo_sender):
    news = [invitation(0), invitation(1, email="not-an-address"), invitation(2)]
    ids = enqueue_all(outbox_db, news)
    outcome = dispatch_batch(outbox_db, ids, brevo_sender)
    assert sorted(outcome.sent) == sorted([ids[0], ids[2]])
    assert outcome.failed == [ids[1]]
    assert outcome.provider_calls == 4  # the rejected batch, then one call each
    assert outbox.get(outbox_db, ids[1])["last_error"]["code"] == "rejected"


def test_a_wrong_api_key_is_a_permanent_failure(outbox_db, fake_brevo):
    from workers.notifications.senders import BrevoSender

    sender = BrevoSender("wrong-key", "noreply@versant.test", "AI-VERSANT", "VERSANT", host=fake_brevo.base_url)
    ids = enqueue_all(outbox_db, [invitation(1)])
    assert dispatch_batch(outbox_db, ids, sender).failed == ids
    assert outbox.get(outbox_db, ids[0])["last_error"]["status"] == 401


def test_suppression_is_recorded_and_essential_kinds_always_go(outbox_db, fake_brevo, brevo_sender):
    preferences.set_channel_enabled(outbox_db, "sms", enabled=False)
    preferences.set_opt_out(outbox_db, "u2", channel="email", kind="test_reminder")
    preferences.set_opt_out(outbox_db, "u3", channel="*", kind="*")
    ids = enqueue_all(
        outbox_db,
        [
            reminder(1, channel="sms"),  # channel switched off
            reminder(2),  # opted out of email reminders
            reminder(3),  # opted out of everything non-essential
            reminder(4),  # nothing stops it
            invitation(3),  # essential: opt-out does not apply
            invitation(5, channel="sms"),  # essential: the switch does not apply either
        ],
    )
    outcome = dispatch_batch(outbox_db, ids, brevo_sender)
    assert sorted(outcome.suppressed) == sorted(ids[:3])
    assert sorted(outcome.sent) == sorted(ids[3:])
    reasons = {str(d["_id"]): d["suppressed_reason"] for d in outbox.get_many(outbox_db, ids[:3])}
    assert reasons == {ids[0]: "channel_disabled", ids[1]: "user_opted_out", ids[2]: "user_opted_out"}
    assert states(outbox_db, ids[:3]) == dict.fromkeys(ids[:3], "suppressed")
    assert sorted(fake_brevo.deliveries()) == sorted(["student4@school.test", "student3@school.test", "919876500005"])


def test_a_template_error_fails_the_message_without_a_call(outbox_db, fake_brevo, brevo_sender):
    ids = enqueue_all(outbox_db, [invitation(1, params={"expires_at": "soon"})])
    outcome = dispatch_batch(outbox_db, ids, brevo_sender)
    assert outcome.failed == ids
    assert outcome.provider_calls == 0
    assert outbox.get(outbox_db, ids[0])["last_error"]["code"] == "template_error"


def test_rate_limiter_is_asked_once_per_provider_call(outbox_db, fake_brevo, brevo_sender):
    class CountingLimiter:
        def __init__(self):
            self.asked = []

        def acquire(self, channel):
            self.asked.append(channel)
            return 0.0

    limiter = CountingLimiter()
    ids = enqueue_all(outbox_db, [invitation(i) for i in range(5)] + [invitation(7, channel="sms")])
    dispatch_batch(outbox_db, ids, brevo_sender, options=DispatchOptions(batch_size=2), rate_limiter=limiter)
    assert limiter.asked == ["email"] * 3 + ["sms"]
