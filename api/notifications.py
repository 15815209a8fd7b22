"""Notifications: the outbox as admins see it, resending failed messages, and a test's
"send reminders now". Sending itself happens in workers (tasks/notifications.py)."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from api.access import user_id
from api.errors import ApiError
from api.jobs import job_response
from api.policy import not_found, rule, scope_query
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.notifications import NotificationListArgsSchema, NotificationListSchema, NotificationSchema
from store import assessment_reads, jobs
from store import notifications as outbox
from store.mongo import get_db
from tasks.notifications import kick
from tasks.runtime import submit

blp = Blueprint("notifications", __name__, url_prefix="/api/v1",
                description="Email and SMS notifications: the outbox, resends, test reminders")
KIND = "notifications"
_NOTHING: dict[str, Any] = {"_id": {"$in": []}}


def visible_notifications(user: dict) -> dict[str, Any]:
    """Superadmins see every message; campus admins those of their campus; course admins
    those of their courses. A message without a campus (e.g. an admin's invitation to a
    superadmin) is visible only to superadmins."""
    role = user["role"]
    if role in ("superadmin", "sub_superadmin"):
        return {}
    if role == "campus_admin" and user.get("campus_id"):
        return {"scope.campus_id": str(user["campus_id"])}
    if role == "course_admin" and user.get("course_ids"):
        return {"scope.course_id": {"$in": [str(c) for c in user["course_ids"]]}}
    return dict(_NOTHING)


def _find_visible(message_id: str) -> dict:
    oid = outbox.to_object_id(message_id)
    scope = visible_notifications(current_user)
    doc = None if oid is None else get_db()[outbox.COLLECTION].find_one(
        {"$and": [{"_id": oid}, scope]} if scope else {"_id": oid})
    if doc is None:
        raise not_found("notification")
    return doc


@blp.route("/notifications", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(NotificationListArgsSchema, location="query")
@blp.response(200, NotificationListSchema)
def list_notifications(args: dict):
    filters: dict[str, Any] = {name: args[name] for name in ("channel", "state", "kind", "needs_review")
                               if name in args}
    if args.get("user_id"):
        filters["recipient.user_id"] = args["user_id"]
    scope = visible_notifications(current_user)
    query = {"$and": [filters, scope]} if scope and filters else (scope or filters)
    items, total = outbox.list_for(get_db(), query, args["page"], args["per_page"])
    return jsonify({"items": NotificationSchema(many=True).dump(items), "total": total,
                    "page": args["page"], "per_page": args["per_page"]})


@blp.route("/notifications/<message_id>/resend", methods=["POST"])
@rule(KIND, "write")
@blp.response(200, NotificationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def resend_notification(message_id: str):
    """A failed message goes back to the queue with a fresh attempt budget (same message,
    same params). Sent, queued, sending and suppressed ones are refused with 409."""
    doc = _find_visible(message_id)
    requeued = outbox.requeue_failed(get_db(), doc["_id"])
    if requeued is None:
        raise ApiError(409, "not_failed", f"Only failed messages can be resent; this one is {doc['state']}.",
                       {"state": doc["state"]})
    try:
        kick([requeued["_id"]])
    except Exception:  # noqa: BLE001 - the beat dispatcher sends it shortly
        pass
    return requeued


@blp.route("/tests/<test_id>/reminders", methods=["POST"])
@rule(KIND, "write")
@blp.response(202, JobSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def send_test_reminders_now(test_id: str):
    """Remind the test's students who have not started it; at most one reminder per student,
    test and day, whether from here or from the daily run."""
    db = get_db()
    test = assessment_reads.get_test(db, test_id, scope_query(current_user, "tests"))
    if test is None:
        raise not_found("test")
    now = outbox.utcnow()
    if not assessment_reads.is_open(test, now):
        raise ApiError(409, "test_not_open", "The test's window is not open, so there is no one to remind.")
    scope = {"campus_id": str(test["campus_id"])} if test.get("campus_id") else None
    # No job dedup: a second job the same day finds every reminder already queued (the outbox
    # key is per student, test and day) and only adds students assigned since.
    job = submit(db, jobs.NewJob(kind="test_reminders", owner_id=user_id(), queue="notifications",
                                 params={"test_id": str(test["_id"])}, scope=scope))
    return job_response(job, 202)
