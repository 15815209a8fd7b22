"""Held requests (ADR 0014): an import's invitations wait in one document per chunk until the
import releases them, then reach the outbox exactly once, however often they are expanded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from bson import ObjectId

from services import notify
from services.notify import NotifyRequest
from store import notification_requests as held
from store import notifications as outbox
from store.common import utcnow
from tasks.notifications import expand_stranded

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.functional


@pytest.fixture
def requests_db(outbox_db):
    held.ensure_indexes(outbox_db)
    return outbox_db


@pytest.fixture
def kicks() -> Iterator[dict[str, list]]:
    """The kicker and expander this test's notify calls reach, recording what they were given."""
    seen: dict[str, list] = {"groups": [], "requests": []}
    with notify.kickers_in_use(seen["groups"].append, seen["requests"].extend):
        yield seen


def invitations(count: int, start: int = 0) -> list[NotifyRequest]:
    expires = utcnow() + timedelta(days=7)
    return [
        NotifyRequest(
            "invitation",
            {"_id": ObjectId(), "name": f"Student {i}", "email": f"s{i}@school.test", "mobile": f"+9198765{i:05d}"},
            {"token": f"token-{i}", "name": f"Student {i}", "expires_at": expires},
            subject_entity=f"invitation:{i}",
        )
        for i in range(start, start + count)
    ]


def test_held_messages_reach_the_outbox_once_released_and_expanded_and_only_once(requests_db, kicks):
    db, source = requests_db, "roster_import:a"
    first = notify.notify_many(db, invitations(3), hold_for=source)
    second = notify.notify_many(db, invitations(2, start=3), hold_for=source)
    assert (first.held, second.held, first.created) == (6, 4, 0)
    assert outbox.records.count(db, {}) == 0
    assert kicks == {"groups": [], "requests": []}

    released = notify.release_held(db, source)
    assert released == 2
    assert len(kicks["requests"]) == 2
    assert outbox.records.count(db, {}) == 0  # released, not yet expanded

    assert [notify.expand_held(db, request_id) for request_id in kicks["requests"]] == [6, 4]
    assert [notify.expand_held(db, request_id) for request_id in kicks["requests"]] == [0, 0]
    messages = list(outbox.records.of(db).find({}, {"channel": 1, "kind": 1, "state": 1}))
    assert sorted(m["channel"] for m in messages) == ["email"] * 5 + ["sms"] * 5
    assert {(m["kind"], m["state"]) for m in messages} == {("invitation", "queued")}
    assert sum(len(ids) for groups in kicks["groups"] for ids in groups.values()) == 10  # dispatch kicked
    assert notify.release_held(db, source) == 0  # nothing left to release


def test_a_message_already_queued_is_not_queued_again_by_a_held_request(requests_db, kicks):
    db = requests_db
    asked = invitations(1)
    assert notify.notify_many(db, asked).created == 2
    notify.notify_many(db, asked, hold_for="roster_import:b")
    notify.release_held(db, "roster_import:b")
    assert notify.expand_held(db, kicks["requests"][0]) == 0
    assert outbox.records.count(db, {}) == 2


def test_the_sweep_expands_requests_whose_expansion_was_lost_or_that_were_never_released(requests_db, kicks):
    db, now = requests_db, utcnow()
    lost = held.hold(db, "roster_import:lost", [], now - timedelta(minutes=5))
    held.release(db, "roster_import:lost", now - timedelta(minutes=2))
    abandoned = held.hold(db, "roster_import:dead", [], now - timedelta(hours=2))
    running = held.hold(db, "roster_import:running", [], now - timedelta(minutes=1))
    just_released = held.hold(db, "roster_import:fresh", [], now - timedelta(seconds=20))
    held.release(db, "roster_import:fresh", now - timedelta(seconds=10))
    assert set(held.stranded(db, now - timedelta(seconds=60), now - timedelta(hours=1))) == {lost, abandoned}

    notify.notify_many(db, invitations(2), hold_for="roster_import:dead-with-messages")
    old = utcnow() + timedelta(hours=2)  # the sweep, two hours from now: every held request is stranded
    assert expand_stranded(db, old) == 4
    assert outbox.records.count(db, {}) == 4
    assert held.messages(db, running) is None
    assert held.messages(db, just_released) is None


def test_who_is_waiting_for_an_invitation_in_a_source(requests_db, kicks):
    db = requests_db
    asked = invitations(2)
    notify.notify_many(db, asked, hold_for="roster_import:c")
    notify.notify_many(db, invitations(1, start=9), hold_for="roster_import:other")
    assert held.users_waiting(db, "roster_import:c", "invitation") == {str(r.user["_id"]) for r in asked}
    assert held.users_waiting(db, "roster_import:c", "password_reset") == set()
    assert held.users_waiting(db, "roster_import:none", "invitation") == set()
