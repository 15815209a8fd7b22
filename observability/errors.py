"""Error tracking: Sentry (sentry-sdk, its Flask, Celery and logging integrations), on when
SENTRY_DSN is set, off otherwise.

Every error logged at ERROR (an unexpected exception in a view, a job that crashed) becomes an
event, tagged with the component, environment, release and the request id or job id of what was
running. Before an event leaves, every string in it is masked as the logs are (emails, phone
numbers, tokens) and values under sensitive keys (passwords, tokens, authorization) are
replaced: no personal data or credential reaches Sentry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.flask import FlaskIntegration

from observability.logs import job_id_var, mask_personal, request_id_var

if TYPE_CHECKING:
    from sentry_sdk._types import Event

SENSITIVE_KEYS = frozenset(
    {"authorization", "cookie", "set-cookie", "password", "password_hash", "token", "access_token", "refresh_token"}
)
FILTERED = "[Filtered]"


def init_error_tracking(dsn: str, *, environment: str, release: str, component: str) -> bool:
    """Start sending errors to Sentry if a DSN is given (SENTRY_DSN); whether it did."""
    if not dsn:
        return False
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=0.0,
        integrations=[FlaskIntegration(), CeleryIntegration()],
        before_send=scrubbed,
    )
    sentry_sdk.set_tag("component", component)
    return True


def scrubbed(event: Event, _hint: dict[str, Any]) -> Event:
    """The event tagged with what was running, every string masked, sensitive values filtered."""
    tags = event.setdefault("tags", {})
    if request_id := request_id_var.get():
        tags["request_id"] = request_id
    if job_id := job_id_var.get():
        tags["job_id"] = job_id
    return cast("Event", masked(event))


def masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, dict):
        return {key: FILTERED if str(key).lower() in SENSITIVE_KEYS else masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value
