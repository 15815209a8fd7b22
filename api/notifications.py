"""Notifications: the outbox as admins see it, resending failed messages, and a test's
"send reminders now". Sending itself happens in workers (tasks/notifications.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify

from api.access import not_found, rule, scope, user_id, within_scope
from api.blueprint import Blueprint
from api.errors import ApiError
from api.jobs import job_response
from api.quotas import quota
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.notifications import NotificationListArgsSchema, NotificationListSchema, NotificationSchema
from store import jobs, papers
from store import notifications as outbox
from store.common import utcnow
from store.mongo import get_db
from tasks.publish import kick_notifications, submit

log = logging.getLogger(__name__)
blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1",
    description="Email and SMS notifications: the outbox, resends, test reminders",
)
KIND = "notifications"


@blp.route("/notifications", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(NotificationListArgsSchema, location="query")
@blp.response(200, NotificationListSchema)
def list_notifications(args: dict) -> Response:
    """Messages in the outbox the caller may see, newest first."""
    filters: dict[str, Any] = {
        name: args[name] for name in ("channel", "state", "kind", "needs_review") if name in args
    }
    if args.get("user_id"):
        filters["recipient.user_id"] = args["user_id"]
    page = outbox.list_for(get_db(), within_scope(KIND, filters), args["page"], args["per_page"])
    return jsonify({**page.as_dict(), "items": NotificationSchema(many=True).dump(page.items)})


@blp.route("/notifications/<id:message_id>/resend", methods=["POST"])
@rule(KIND, "write")
@blp.response(200, NotificationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def resend_notification(message_id: str) -> dict:
    """A failed message goes back to the queue with a fresh attempt budget (same message,
    same params). Sent, queued, sending and suppressed ones are refused with 409.
    """
    db = get_db()
    doc = outbox.find_visible(db, message_id, scope(KIND))
    if doc is None:
        raise not_found("notification")
    requeued = outbox.requeue_failed(db, doc["_id"])
    if requeued is None:
        raise ApiError(
            409,
            "not_failed",
            f"Only failed messages can be resent; this one is {doc['state']}.",
            {"state": doc["state"]},
        )
    try:
        kick_notifications([requeued["_id"]])
    except Exception:  # the beat dispatcher sends it shortly
        log.warning("resend kick failed; beat will send the message", exc_info=True)
    return requeued


@blp.route("/tests/<id:test_id>/reminders", methods=["POST"])
@rule(KIND, "write")
@quota("reminders")
@blp.response(202, JobSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def send_test_reminders_now(test_id: str) -> Response:
    """Remind the test's students who have not started it; at most one reminder per student,
    test and day, whether from here or from the daily run.
    """
    db = get_db()
    test = papers.get(db, test_id, scope("tests"))
    if test is None:
        raise not_found("test")
    if not papers.is_open(test, utcnow()):
        raise ApiError(409, "test_not_open", "The test's window is not open, so there is no one to remind.")
    job_scope = {"campus_id": str(test["campus_id"])} if test.get("campus_id") else None
    # No job dedup: a second job the same day finds every reminder already queued (the outbox
    # key is per student, test and day) and only adds students assigned since.
    job = submit(
        db,
        jobs.NewJob(kind="test_reminders", owner_id=user_id(), params={"test_id": str(test["_id"])}, scope=job_scope),
    )
    return job_response(job, 202)
