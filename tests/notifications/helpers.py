from __future__ import annotations

from store import notifications as outbox

# The least environment the settings load with (what a settings test changes goes on top).
BASE_ENV = {
    "APP_ENV": "development",
    "SECRET_KEY": "k" * 40,
    "MONGO_URI": "mongodb://x",
    "REDIS_URL": "redis://x",
    "S3_BUCKET": "b",
    "BACKUP_BUCKET": "b-backups",
}

INVITE_PARAMS = {"invite_url": "https://versant.test/invite/abc", "expires_at": "in 7 days"}
REMINDER_PARAMS = {"test_name": "Unit 3", "window_end": "Friday 18:00", "test_url": "https://versant.test/t/3"}


def invitation(i: int, channel: str = "email", **overrides) -> outbox.NewNotification:
    fields = {
        "kind": "invitation",
        "channel": channel,
        "subject_entity": f"invite:{i}",
        "params": dict(INVITE_PARAMS),
        "user_id": f"u{i}",
        "email": f"student{i}@school.test",
        "mobile": f"+91 98765 {i:05d}",
        "name": f"Student {i}",
        "essential": True,
    }
    fields.update(overrides)
    return outbox.NewNotification(**fields)


def reminder(i: int, channel: str = "email", **overrides) -> outbox.NewNotification:
    fields = {
        "kind": "test_reminder",
        "channel": channel,
        "subject_entity": "test:t1:2025-01-31",
        "params": dict(REMINDER_PARAMS),
        "user_id": f"u{i}",
        "email": f"student{i}@school.test",
        "mobile": f"+91 98765 {i:05d}",
        "name": f"Student {i}",
    }
    fields.update(overrides)
    return outbox.NewNotification(**fields)


def enqueue_all(db, news) -> list[str]:
    return [str(outbox.enqueue(db, new)[0]["_id"]) for new in news]


def states(db, ids) -> dict[str, str]:
    return {str(doc["_id"]): doc["state"] for doc in outbox.get_many(db, ids)}


def make_student(db, org, campus: str = "A", **fields) -> dict:
    """A student of campus A or B of the `notify_org` fixture (email only unless given a mobile)."""
    import uuid

    from store import users

    suffix = uuid.uuid4().hex[:8]
    doc = {
        "name": f"Student {suffix}",
        "email": f"s.{suffix}@school.test",
        "role": "student",
        "roll_number": f"R{suffix}".upper(),
        "campus_id": org.ids[f"campus{campus}"],
        "course_id": org.ids[f"course{campus}"],
        "batch_id": org.ids[f"batch{campus}"],
        **fields,
    }
    return users.create(db, doc)


def wait_until(condition, timeout: float = 60, interval: float = 0.1, message: str = "condition"):
    """Poll until condition() is truthy; returns its value (waiting, not a timing assertion)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not met after {timeout}s")
