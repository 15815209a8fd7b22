"""Transactional email and SMS: templates, senders (Brevo, outbox directory), rate limits and
provider errors. No store: the outbox dispatcher that uses them is jobs/notifications.
"""

from workers.notifications.errors import ProviderError, backoff_delay, retry_delay
from workers.notifications.ratelimit import ChannelRateLimiter, TokenBucket
from workers.notifications.rendering import ESSENTIAL_KINDS, KINDS, render_email, render_sms, template_version
from workers.notifications.senders import DEFAULT_BREVO_HOST, BrevoSender, OutboxDirSender
from workers.notifications.sms import describe_sms

__all__ = [
    "DEFAULT_BREVO_HOST",
    "ESSENTIAL_KINDS",
    "KINDS",
    "BrevoSender",
    "ChannelRateLimiter",
    "OutboxDirSender",
    "ProviderError",
    "TokenBucket",
    "backoff_delay",
    "describe_sms",
    "render_email",
    "render_sms",
    "retry_delay",
    "template_version",
]
