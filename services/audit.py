"""The one way to record what happened: an append-only audit record (store/audit.py) and, for
security events, a structured log line (`security_event=<action>`) a log pipeline can alert on.

Called by the API (api/auditing.py adds the caller and their address) and by engines and tasks
(the system is the actor, or the user the work is for). The request or job id comes from the
logging context, so a record leads to its log lines.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from observability.logs import job_id_var, request_id_var
from store import audit as audit_store

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pymongo.database import Database

log = logging.getLogger("security")

# Actions an alert may be built on: each is also logged at WARNING with `security_event`.
SECURITY_EVENTS = frozenset(
    {
        "auth.login_failed",
        "auth.rate_limited",
        "auth.refresh_token_reused",
        "auth.password_reset_completed",
        "access.forbidden_burst",
        "admin.authority_changed",
    }
)


def record(  # noqa: PLR0913 - one keyword per field of the record
    db: Database,
    action: str,
    *,
    target_type: str,
    target_id: str = "",
    actor: Mapping[str, Any] | None = None,
    before: dict | None = None,
    after: dict | None = None,
    details: Mapping[str, Any] | None = None,
    source: str | None = None,
) -> dict:
    """Append one audit record; log it as a security event when it is one."""
    doc = audit_store.record(
        db,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        details=details,
        source=source,
        request_id=request_id_var.get(),
        job_id=job_id_var.get(),
    )
    if action in SECURITY_EVENTS:
        log.warning(
            "security event %s",
            action,
            extra={
                "security_event": action,
                "actor_id": doc["actor_id"],
                "actor_role": doc["actor_role"],
                "target_type": target_type,
                "target_id": target_id,
                "source": source,
                "details": doc["details"],
            },
        )
    return doc
