"""The one invitation service: issue single-use tokens (invitations, password resets) and
queue the message that carries each one.

The account keeps only the token's hash; the raw token goes into the outbox message (whose
subject entity is the hash's prefix, so each token gets exactly one message). One account at
a time (`issue`, the API) or in bulk (`new_invitation` embedded in a new student document,
then `queue_messages`, the roster importer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain.masking import mask_login
from security.tokens import new_single_use_token
from services import audit
from services.notify import NotifyRequest, notify_many
from store import notification_requests as held_requests
from store import notifications as outbox
from store import users
from store.common import utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pymongo.database import Database

LIFETIMES = {"invitation": timedelta(days=7), "password_reset": timedelta(hours=1)}


@dataclass(frozen=True)
class SingleUseToken:
    purpose: str
    raw: str  # goes into the message only
    record: dict[str, Any]  # kept on the account: token_hash, expires_at, created_at

    @property
    def expires_at(self) -> datetime:
        expires_at: datetime = self.record["expires_at"]
        return expires_at


def new_token(purpose: str, now: datetime | None = None) -> SingleUseToken:
    now = now or utcnow()
    raw, digest = new_single_use_token()
    return SingleUseToken(
        purpose, raw, {"token_hash": digest, "expires_at": now + LIFETIMES[purpose], "created_at": now}
    )


def new_invitation(now: datetime | None = None) -> SingleUseToken:
    """An invitation to store inside a new account document (`{"invitation": token.record}`)."""
    return new_token("invitation", now)


def issue(
    db: Database, user: Mapping[str, Any], purpose: str, actor: Mapping[str, Any] | None = None
) -> SingleUseToken:
    """Store a fresh token on the account (replacing any earlier one), queue its message and
    audit it (`actor`: the admin who asked; None for the system or the user themselves).
    """
    token = new_token(purpose)
    users.set_single_use_token(db, user["_id"], purpose, token.record)
    queue_messages(db, [(user, token)])
    audit.record(
        db,
        f"{purpose}.issued",
        target_type="user",
        target_id=str(user["_id"]),
        actor=actor,
        details={"expires_at": token.expires_at},
    )
    return token


def request_password_reset(db: Database, login: str) -> SingleUseToken | None:
    """A reset link for the active account with this login (email, roll number or mobile), if any."""
    user = users.find_by_login(db, login)
    found = user is not None and user.get("active", True)
    audit.record(
        db,
        "auth.password_reset_requested",
        target_type="user",
        target_id=str(user["_id"]) if user else "",
        details={"login": mask_login(login), "sent": bool(found)},
    )
    if user is None or not found:
        return None
    return issue(db, user, "password_reset")


def queue_messages(
    db: Database, issued: Iterable[tuple[Mapping[str, Any], SingleUseToken]], hold_for: str | None = None
) -> None:
    """One bulk enqueue (and one kick) for tokens already stored on their accounts; with
    `hold_for`, one held request, queued when that source releases it (an import, at its end).
    """
    requests = [_message(user, token) for user, token in issued]
    if requests:
        notify_many(db, requests, hold_for=hold_for)


def reinvite_uninvited(
    db: Database, students: Sequence[Mapping[str, Any]], chunk: int, hold_for: str | None = None
) -> int:
    """Students created without their invitation being queued (a delivery died in between):
    give those with no invitation message (queued, or held for `hold_for`) and no password a
    fresh token and queue it.
    """
    invited = outbox.users_with_message(db, "invitation", [str(student["_id"]) for student in students])
    if hold_for is not None:
        invited |= held_requests.users_waiting(db, hold_for, "invitation")
    pending = [(student, new_invitation()) for student in students if str(student["_id"]) not in invited]
    for start in range(0, len(pending), max(1, chunk)):
        part = pending[start : start + max(1, chunk)]
        users.set_invitations_where_no_password(db, [(student["_id"], token.record) for student, token in part])
        queue_messages(db, part, hold_for)
    return len(pending)


def _message(user: Mapping[str, Any], token: SingleUseToken) -> NotifyRequest:
    params = {"token": token.raw, "name": user.get("name"), "expires_at": token.expires_at}
    return NotifyRequest(
        token.purpose, user, params, subject_entity=f"{token.purpose}:{token.record['token_hash'][:16]}"
    )
