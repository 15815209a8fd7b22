"""Build the configured sender, rate limiter and dispatch options from the settings.

One place decides which backend is in use (Settings.notification_backend): the Brevo
API when a key is configured, otherwise the outbox directory (development).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobs.notifications.dispatcher import DispatchOptions
from workers.notifications.ratelimit import ChannelRateLimiter
from workers.notifications.senders import BrevoSender, OutboxDirSender, Sender

if TYPE_CHECKING:
    from config import Settings


def build_sender(settings: Settings) -> Sender:
    if settings.notification_backend == "brevo":
        return BrevoSender(
            settings.brevo_api_key,
            settings.mail_from_email,
            settings.mail_from_name,
            settings.sms_sender,
            host=settings.brevo_api_host,
            max_email_batch=settings.notify_email_batch_size,
        )
    return OutboxDirSender(settings.outbox_dir, max_email_batch=settings.notify_email_batch_size)


def build_rate_limiter(settings: Settings) -> ChannelRateLimiter:
    rate = settings.notify_rate_per_second
    return ChannelRateLimiter.per_second(email=rate, sms=rate)


def dispatch_options(settings: Settings) -> DispatchOptions:
    return DispatchOptions(
        batch_size=settings.notify_email_batch_size, claim_seconds=float(settings.notify_claim_seconds)
    )
