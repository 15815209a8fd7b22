"""Send outbox messages exactly once (as far as a provider allows) and record the result.

For each provider call the dispatcher
1. claims the messages (queued -> sending, new claim_id, attempts + 1) BEFORE the call: a
   dispatch group's due emails with one write, other messages by id,
2. renders what it won and calls the provider with claim_id as the idempotency key,
3. records sent AFTER the call, conditional on still holding the claim: the provider's ids
   in one receipt and the whole claim's state in one write.
A message that is sent, failed or suppressed is never sent again; a live claim held by
someone else is left alone.

The crash window (a message found `sending` with an expired claim: the worker died, or
a read timed out, between claim and record) is never resent blindly:
- email, while the claim is younger than `replay_window_seconds` (default 10 min, inside
  Brevo's idempotency TTL): the whole claim group is re-posted as the SAME request with
  the SAME idempotencyKey, so Brevo sends it at most once;
- otherwise (SMS has no provider idempotency, or the window has passed): the message
  goes to `failed` with last_error.code "outcome_unknown" and needs_review=True; an
  admin checks the provider's logs and uses resend if it never arrived.

Retryable failures (429 with Retry-After, 5xx, connection errors, SMS timeouts) go back
to `queued` with next_attempt_at; after `max_attempts` claims they end `failed`. Other
4xx end `failed` with the provider's reason; a multi-recipient batch rejected that way
is retried one message per call so only the bad recipients fail.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from domain.masking import mask_recipient
from observability.metrics import PROVIDER_ERRORS
from security.sealing import SealError
from services.notify import opened_params
from store import notifications as outbox
from store import preferences as preference_store
from workers.notifications.errors import ProviderError, retry_delay
from workers.notifications.preferences import is_essential, suppression_reason
from workers.notifications.rendering import TemplateRenderError, render_email, render_sms
from workers.notifications.senders import OutgoingEmail, OutgoingSms, Sender

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from bson import ObjectId
    from pymongo.database import Database

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def acquire(self, channel: str) -> float: ...


@dataclass(frozen=True)
class DispatchOptions:
    batch_size: int | None = None  # emails per provider call; None = the sender's maximum
    claim_seconds: float = 60.0  # how long a claim stays live while the provider answers
    max_attempts: int = 6
    replay_window_seconds: float = 600.0
    backoff_base_seconds: float = 5.0
    backoff_cap_seconds: float = 3600.0


@dataclass
class DispatchOutcome:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    needs_review: list[str] = field(default_factory=list)
    retry_in: dict[str, float] = field(default_factory=dict)  # id -> seconds until it is due
    skipped: list[str] = field(default_factory=list)  # already final, unknown, or in flight
    provider_calls: int = 0

    @property
    def retry_ids(self) -> list[str]:
        return list(self.retry_in)

    @property
    def retry_after_seconds(self) -> float | None:
        """When the caller should dispatch retry_ids again (the earliest due time)."""
        return min(self.retry_in.values()) if self.retry_in else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": len(self.sent),
            "failed": len(self.failed),
            "suppressed": len(self.suppressed),
            "needs_review": len(self.needs_review),
            "retrying": len(self.retry_in),
            "skipped": len(self.skipped),
            "provider_calls": self.provider_calls,
            "retry_after_seconds": self.retry_after_seconds,
        }


def dispatch_batch(
    db: Database,
    message_ids: Iterable[str | ObjectId],
    sender: Sender,
    *,
    group: str | None = None,
    options: DispatchOptions | None = None,
    rate_limiter: RateLimiter | None = None,
    clock: Callable[[], datetime] = outbox.utcnow,
    rng: Callable[[], float] = random.random,
) -> DispatchOutcome:
    """Send the given outbox messages that are due; see the module docstring for the rules.

    With `group`, the messages are that dispatch group's (as enqueued together): its open
    messages are read, and its due emails claimed, with one query each.
    """
    run = _Run(db, sender, options or DispatchOptions(), rate_limiter, clock, rng)
    run.dispatch(list(message_ids), group)
    log.info("notifications dispatched via %s: %s", sender.name, run.outcome.as_dict())
    return run.outcome


class _Run:
    def __init__(
        self,
        db: Database,
        sender: Sender,
        options: DispatchOptions,
        rate_limiter: RateLimiter | None,
        clock: Callable[[], datetime],
        rng: Callable[[], float],
    ) -> None:
        self.db, self.sender, self.options = db, sender, options
        self.rate_limiter, self.clock, self.rng = rate_limiter, clock, rng
        self.holder = uuid.uuid4().hex
        self.outcome = DispatchOutcome()
        self.blocked_until: dict[str, datetime] = {}  # channel -> when a 429 lets us back

    # --- triage -------------------------------------------------------------------
    def dispatch(self, message_ids: list[str | ObjectId], group: str | None) -> None:
        docs = outbox.open_in_group(self.db, group) if group else outbox.get_many(self.db, message_ids)
        found = {str(doc["_id"]) for doc in docs}
        self.outcome.skipped += [str(mid) for mid in message_ids if str(mid) not in found]
        ready: list[dict] = []
        replay_claims: list[outbox.ClaimKey] = []
        for doc in sorted(docs, key=lambda d: d["_id"]):
            self._triage(doc, ready, replay_claims)
        for claim in dict.fromkeys(replay_claims):
            self._replay_email_claim(claim)
        ready = self._apply_preferences(ready)
        self._send_emails([doc for doc in ready if doc["channel"] == "email"], group)
        for doc in (doc for doc in ready if doc["channel"] == "sms"):
            self._send_one_sms(doc)

    def _triage(self, doc: dict, ready: list[dict], replay_claims: list[outbox.ClaimKey]) -> None:
        now, mid = self.clock(), str(doc["_id"])
        if doc["state"] in outbox.FINAL_STATES:
            self.outcome.skipped.append(mid)
        elif doc["state"] == "queued":
            due = doc.get("next_attempt_at")
            if due is not None and due > now:
                self.outcome.retry_in[mid] = (due - now).total_seconds()
            else:
                ready.append(doc)
        elif doc.get("claim_expires_at") and doc["claim_expires_at"] > now:
            if doc.get("last_error"):  # held for a replay after a timeout
                self.outcome.retry_in[mid] = (doc["claim_expires_at"] - now).total_seconds()
            else:
                self.outcome.skipped.append(mid)  # in flight in another worker
        elif self._may_replay(doc, now):
            replay_claims.append(outbox.key_of(doc))
        else:
            self._mark_outcome_unknown(doc)

    def _may_replay(self, doc: dict, now: datetime) -> bool:
        claimed_at = doc.get("claimed_at")
        return (
            doc["channel"] == "email"
            and claimed_at is not None
            and (now - claimed_at).total_seconds() < self.options.replay_window_seconds
            and doc.get("attempts", 0) < self.options.max_attempts
        )

    def _mark_outcome_unknown(self, doc: dict) -> None:
        error = {
            "code": "outcome_unknown",
            "retryable": False,
            "status": None,
            "message": (
                f"claim {doc.get('claim_id')} expired before a result was recorded; "
                "check the provider's log before resending"
            ),
        }
        if outbox.mark_failed(
            self.db, [doc["_id"]], error, claim=outbox.key_of(doc), holder=doc.get("holder"), needs_review=True
        ):
            self.outcome.needs_review.append(str(doc["_id"]))
            log.warning("notification %s needs review: %s", doc["_id"], error["message"])
        else:
            self.outcome.skipped.append(str(doc["_id"]))

    def _apply_preferences(self, docs: list[dict]) -> list[dict]:
        optional = [doc for doc in docs if not is_essential(doc["kind"], flagged_essential=doc.get("essential", False))]
        if not optional:
            return docs
        switches = preference_store.channel_switches(self.db)
        opt_outs = preference_store.opt_outs_for(self.db, (d["recipient"].get("user_id") for d in optional))
        kept = []
        for doc in docs:
            reason = suppression_reason(
                doc["kind"],
                doc["channel"],
                essential=doc.get("essential", False),
                channel_enabled=switches.get(doc["channel"], True),
                opt_outs=opt_outs.get(str(doc["recipient"].get("user_id")), set()),
            )
            if reason is None:
                kept.append(doc)
            elif outbox.mark_suppressed(self.db, doc["_id"], reason, self.clock()):
                self.outcome.suppressed.append(str(doc["_id"]))
        return kept

    # --- email ----------------------------------------------------------------------
    def _send_emails(self, docs: list[dict], group: str | None) -> None:
        size = min(self.options.batch_size or self.sender.max_email_batch, self.sender.max_email_batch)
        if group and docs and len(docs) <= size and all(doc.get("dispatch_group") == group for doc in docs):
            if not self._channel_blocked("email", docs):
                lease = self._lease()
                self._send_claimed(docs, outbox.claim_group(self.db, group, "email", lease), allow_split=True)
            return
        for start in range(0, len(docs), size):
            chunk = docs[start : start + size]
            if not self._channel_blocked("email", chunk):
                self._claim_and_send_emails(chunk, allow_split=True)

    def _render_email(self, doc: dict) -> tuple[dict, OutgoingEmail] | None:
        recipient = doc["recipient"]
        try:
            params = _params_for(doc)
            email = render_email(doc["template"], params)
        except TemplateRenderError as exc:
            self._fail_unsent(doc, "template_error", str(exc))
            return None
        return doc, OutgoingEmail(
            message_id=str(doc["_id"]),
            to_email=recipient["email"],
            to_name=recipient.get("name"),
            subject=email.subject,
            html=email.html,
            text=email.text,
            template=email.template,
            template_version=email.version,
            params=params,
        )

    def _lease(self) -> outbox.Claim:
        now = self.clock()
        return outbox.Claim(str(uuid.uuid4()), self.holder, now, now + timedelta(seconds=self.options.claim_seconds))

    def _claim_and_send_emails(self, docs: list[dict], *, allow_split: bool) -> None:
        lease = self._lease()
        self._send_claimed(docs, outbox.claim(self.db, _ids(docs), lease), allow_split=allow_split)

    def _send_claimed(self, wanted: list[dict], won: list[dict], *, allow_split: bool) -> None:
        """Render and post what the claim won (as stored now); the rest was taken elsewhere."""
        won_ids = {doc["_id"] for doc in won}
        self.outcome.skipped += [str(doc["_id"]) for doc in wanted if doc["_id"] not in won_ids]
        claimed = [item for item in (self._render_email(doc) for doc in won) if item]
        if claimed:
            self._post_emails(claimed, outbox.key_of(claimed[0][0]), allow_split=allow_split)

    def _post_emails(
        self, claimed: list[tuple[dict, OutgoingEmail]], claim: outbox.ClaimKey, *, allow_split: bool
    ) -> None:
        self._acquire("email")
        try:
            provider_ids = self.sender.send_emails([email for _, email in claimed], claim.claim_id)
        except ProviderError as error:
            self._email_failure(claimed, claim, error, allow_split=allow_split)
            return
        ids = [doc["_id"] for doc, _ in claimed]
        delivery = outbox.Delivery(
            claim,
            self.sender.name,
            "email",
            dict(zip(ids, provider_ids, strict=True)),
            {doc["_id"]: email.template_version for doc, email in claimed},
        )
        outbox.mark_sent(self.db, delivery, self.clock())
        self.outcome.sent += [str(oid) for oid in ids]

    def _email_failure(
        self,
        claimed: list[tuple[dict, OutgoingEmail]],
        claim: outbox.ClaimKey,
        error: ProviderError,
        *,
        allow_split: bool,
    ) -> None:
        docs = [doc for doc, _ in claimed]
        if not error.retryable and allow_split and len(claimed) > 1:
            # One bad address rejects the whole call: retry each alone so only it fails.
            outbox.release_for_retry(self.db, None, claim, self.clock(), error.as_record())
            for doc in docs:
                self._claim_and_send_emails([doc], allow_split=False)
        elif error.retryable and error.outcome_unknown:
            self._hold_for_replay(docs, claim, error)
        else:
            self._record_failure(docs, claim, error, "email")

    def _hold_for_replay(self, docs: list[dict], claim: outbox.ClaimKey, error: ProviderError) -> None:
        now = self.clock()
        delay = self._delay(error, docs)
        outbox.hold_for_replay(self.db, None, claim, now + timedelta(seconds=delay), error.as_record(), now)
        for doc in docs:
            self.outcome.retry_in[str(doc["_id"])] = delay

    def _replay_email_claim(self, claim: outbox.ClaimKey) -> None:
        now = self.clock()
        until = now + timedelta(seconds=self.options.claim_seconds)
        taken_over = outbox.reclaim_expired(self.db, claim, self.holder, now, until)
        rendered = [item for item in (self._render_email(doc) for doc in taken_over) if item]
        if rendered:
            log.info(
                "replaying email claim %s for %d messages with the same idempotency key", claim.claim_id, len(rendered)
            )
            self._post_emails(rendered, claim, allow_split=False)

    # --- sms ------------------------------------------------------------------------
    def _send_one_sms(self, doc: dict) -> None:
        try:
            params = _params_for(doc)
            rendered = render_sms(doc["template"], params)
        except TemplateRenderError as exc:
            self._fail_unsent(doc, "template_error", str(exc))
            return
        if self._channel_blocked("sms", [doc]):
            return
        for note in rendered.info.warnings:
            log.info("sms %s for notification %s %s", rendered.template, doc["_id"], note)
        lease = self._lease()
        won = outbox.claim(self.db, [doc["_id"]], lease)
        if not won:
            self.outcome.skipped.append(str(doc["_id"]))
            return
        doc = won[0]  # as claimed: its attempts count this one
        sms = OutgoingSms(
            message_id=str(doc["_id"]),
            to_mobile=doc["recipient"]["mobile"],
            text=rendered.text,
            unicode=rendered.info.unicode,
            template=rendered.template,
            template_version=rendered.version,
            params=params,
        )
        self._acquire("sms")
        try:
            provider_id = self.sender.send_sms(sms, lease.claim_id)
        except ProviderError as error:
            # No idempotency for SMS: a timeout is retried like a 5xx (a rare duplicate is
            # the price); only a crash in the window goes to review.
            self._record_failure([doc], outbox.key_of(doc), error, "sms")
            return
        delivery = outbox.Delivery(
            outbox.key_of(doc), self.sender.name, "sms", {doc["_id"]: provider_id}, {doc["_id"]: rendered.version}
        )
        outbox.mark_sent(self.db, delivery, self.clock())
        self.outcome.sent.append(str(doc["_id"]))

    # --- shared ---------------------------------------------------------------------
    def _record_failure(self, docs: list[dict], claim: outbox.ClaimKey, error: ProviderError, channel: str) -> None:
        """`docs` are everything the claim holds, as claimed (attempts count this one), so a
        change to all of them is one write.
        """
        now = self.clock()
        PROVIDER_ERRORS.labels(channel, error.code).inc()
        for doc in docs:
            log.warning(
                "%s to %s failed (%s, attempt %d): %s",
                channel,
                mask_recipient(channel, _address(doc)),
                error.code,
                doc.get("attempts", 0),
                error.message[:200],
            )
        if not error.retryable:
            outbox.mark_failed(self.db, None, error.as_record(), claim=claim, now=now)
            self.outcome.failed += [str(doc["_id"]) for doc in docs]
            return
        delay = self._delay(error, docs)
        if error.code == "rate_limited":
            self.blocked_until[channel] = now + timedelta(seconds=delay)
        exhausted = [doc for doc in docs if doc.get("attempts", 0) >= self.options.max_attempts]
        if exhausted:
            gave_up = {
                **error.as_record(),
                "message": f"gave up after {self.options.max_attempts} attempts: {error.message}"[:500],
            }
            outbox.mark_failed(self.db, _ids(exhausted), gave_up, claim=claim, now=now)
            self.outcome.failed += [str(doc["_id"]) for doc in exhausted]
        retrying = [doc for doc in docs if doc not in exhausted]
        if retrying:
            outbox.release_for_retry(
                self.db,
                _ids(retrying) if exhausted else None,
                claim,
                now + timedelta(seconds=delay),
                error.as_record(),
                now,
            )
            for doc in retrying:
                self.outcome.retry_in[str(doc["_id"])] = delay

    def _channel_blocked(self, channel: str, docs: list[dict]) -> bool:
        """After a 429 the rest of this run's messages on the channel wait, unclaimed."""
        until = self.blocked_until.get(channel)
        now = self.clock()
        if until is None or until <= now:
            return False
        outbox.defer(self.db, _ids(docs), until, now)
        for doc in docs:
            self.outcome.retry_in[str(doc["_id"])] = (until - now).total_seconds()
        return True

    def _delay(self, error: ProviderError, docs: list[dict]) -> float:
        attempt = max(doc.get("attempts", 0) for doc in docs)
        return retry_delay(
            error, attempt, base=self.options.backoff_base_seconds, cap=self.options.backoff_cap_seconds, rng=self.rng
        )

    def _fail_unsent(self, doc: dict, code: str, message: str) -> None:
        error = {"code": code, "message": message[:500], "status": None, "retryable": False}
        if outbox.mark_failed(self.db, [doc["_id"]], error, from_states=("queued", "sending")):
            self.outcome.failed.append(str(doc["_id"]))

    def _acquire(self, channel: str) -> None:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire(channel)
        self.outcome.provider_calls += 1


def _params_for(doc: dict) -> dict[str, Any]:
    """The template params, sealed secrets opened (a message no key opens fails: it is never
    sent without its link).
    """
    name = doc["recipient"].get("name")
    try:
        params = opened_params(doc.get("params") or {})
    except SealError as exc:
        raise TemplateRenderError(f"{exc} (FIELD_ENCRYPTION_KEYS changed since it was queued?)") from exc
    return {**({"name": name} if name else {}), **params}


def _address(doc: dict) -> str | None:
    address: str | None = doc["recipient"].get("email" if doc["channel"] == "email" else "mobile")
    return address


def _ids(docs: Sequence[dict]) -> list[ObjectId]:
    return [doc["_id"] for doc in docs]
