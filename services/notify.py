"""The one way to ask for a message: `notify` (one user) and `notify_many` (bulk).

A request names a kind (template), a user document, template params and the subject
entity (what the message is about). It becomes one outbox message per channel the user
can be reached on (email and/or SMS), enqueued idempotently: the same kind, user,
channel and subject entity twice gives the first message back, never a second one.

After enqueueing, the registered kicker publishes dispatch tasks so the messages go out
at once, one task per dispatch group (the API's app factory and the Celery app register
`tasks.publish.kick_groups` at start-up; engines never import Celery). Without a kicker, or when the broker is down,
nothing is lost: the messages wait in MongoDB and the beat dispatcher sends them within
NOTIFY_DISPATCH_INTERVAL_SECONDS.

Links: invitations and password resets are given the raw single-use `token`; the link
(APP_BASE_URL + path + token) and the human-readable expiry are built here. The token and the
link are stored sealed (`params.sealed`, FIELD_ENCRYPTION_KEYS): the dispatcher opens them to
render the message and the store removes them once it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bson import ObjectId

from config import get_settings
from domain.notifications import CHANNELS, ESSENTIAL_KINDS, KINDS, SEALED, SECRET_PARAMS
from security.sealing import Sealer, derived_key
from store import notification_requests as held
from store import notifications as outbox
from store.common import utcnow

if TYPE_CHECKING:
    from pymongo.database import Database

log = logging.getLogger(__name__)

Kicker = Callable[[Mapping[str, Sequence[ObjectId]]], object]  # dispatch group -> its message ids
Expander = Callable[[Sequence[ObjectId]], object]  # ids of released notification requests
# The process's kicker and expander, registered at start-up (a dict rather than rebound globals).
_registered: dict[str, Any] = {}

# Where the web app takes each single-use token.
TOKEN_LINK_PATHS = {"invitation": "/invitations/accept", "password_reset": "/password-reset/confirm"}
# Scope fields copied from the user so scoped admins can list the message.
SCOPE_FIELDS = ("campus_id", "course_id", "batch_id")


@dataclass(frozen=True)
class NotifyRequest:
    kind: str
    user: Mapping[str, Any]
    params: Mapping[str, Any]
    subject_entity: str
    channels: tuple[str, ...] = CHANNELS  # narrowed to what the user has
    scope: Mapping[str, Any] | None = None  # defaults to the user's campus/course/batch


@dataclass
class NotifyResult:
    message_ids: list[ObjectId] = field(default_factory=list)
    created: int = 0
    held: int = 0  # messages stored in a held request (notify_many(hold_for=...))
    unreachable_user_ids: list[str] = field(default_factory=list)  # no email and no mobile


def use_kicker(kicker: Kicker | None) -> None:
    """Register what publishes dispatch work after an enqueue (None: nothing; beat sends)."""
    _register("kicker", kicker)


def use_expander(expander: Expander | None) -> None:
    """Register what publishes expansion work after held requests are released (None: nothing;
    beat expands). Separate from the kicker: the API registers only a kicker, and a process with
    both (a worker, the tests) must keep its expander whichever registers last.
    """
    _register("expander", expander)


def _register(role: str, what: object | None) -> None:
    if what is None:
        _registered.pop(role, None)
    else:
        _registered[role] = what


@contextmanager
def kickers_in_use(kicker: Kicker | None, expander: Expander | None = None) -> Iterator[None]:
    """`use_kicker` for a while (a test, a script): on leaving, the registry is exactly what it
    was before, expander included.
    """
    before = dict(_registered)
    use_kicker(kicker)
    use_expander(expander)
    try:
        yield
    finally:
        _registered.clear()
        _registered.update(before)


def registered() -> dict[str, Any]:
    """A copy of what this process has registered (for checks that nothing was left behind)."""
    return dict(_registered)


def notify(
    db: Database,
    kind: str,
    user: Mapping[str, Any],
    params: Mapping[str, Any],
    subject_entity: str,
    *,
    channels: Sequence[str] = CHANNELS,
) -> list[ObjectId]:
    """Queue `kind` for `user` on every channel they have; returns the message ids."""
    request = NotifyRequest(kind, user, params, subject_entity, tuple(channels))
    return notify_many(db, [request]).message_ids


def notify_many(
    db: Database, requests: Iterable[NotifyRequest], *, kick: bool = True, hold_for: str | None = None
) -> NotifyResult:
    """Bulk form (roster imports, reminders): each channel's messages in provider batches,
    one insert and one kick per batch, so the first batch is on its way while the next is
    stored. `message_ids` come back in request order.

    `hold_for` (a source, e.g. "roster_import:<id>") stores the messages as one held request
    instead, queued when the source calls `release_held` (ADR 0014): no message ids yet.
    """
    result = NotifyResult()
    news: list[outbox.NewNotification] = []
    for request in requests:
        built = build_notifications(request)
        if not built:
            result.unreachable_user_ids.append(str(request.user.get("_id")))
        news += built
    if hold_for is not None:
        if news:
            held.hold(db, hold_for, news, utcnow())
        result.held = len(news)
        return result
    _enqueue(db, news, result, kick=kick)
    return result


def release_held(db: Database, source: str) -> int:
    """`source` (an import) is done: its held messages go to the outbox, expanded by the
    notifications worker (or, if the broker is down, by the beat sweep). How many requests.
    """
    released = held.release(db, source, utcnow())
    expander = _registered.get("expander")
    if released and expander is not None:
        try:
            expander(released)
        except Exception:  # the sweep expands released requests it finds waiting
            log.warning("notification expansion kick failed for %d requests", len(released), exc_info=True)
    return len(released)


def expand_held(db: Database, request_id: ObjectId) -> int:
    """Queue one held request's messages (each once, however often this runs); how many new."""
    news = held.messages(db, request_id)
    if news is None:
        return 0
    result = NotifyResult()
    _enqueue(db, news, result, kick=True)
    held.remove(db, request_id)
    return result.created


def _enqueue(db: Database, news: Sequence[outbox.NewNotification], result: NotifyResult, *, kick: bool) -> None:
    size = max(get_settings().notify_email_batch_size, 1)
    ids: list[ObjectId | None] = [None] * len(news)
    for channel in CHANNELS:
        positions = [index for index, new in enumerate(news) if new.channel == channel]
        for start in range(0, len(positions), size):
            batch = positions[start : start + size]
            enqueued = outbox.enqueue_many(db, [news[index] for index in batch], group_size=size)
            for index, oid in zip(batch, enqueued.ids, strict=True):
                ids[index] = oid
            result.created += enqueued.created
            if kick and enqueued.groups:
                _kick(enqueued.groups)
    result.message_ids = [oid for oid in ids if oid is not None]


def build_notifications(request: NotifyRequest) -> list[outbox.NewNotification]:
    """One NewNotification per requested channel the user has an address for."""
    if request.kind not in KINDS:
        raise ValueError(f"unknown notification kind {request.kind!r}")
    user = request.user
    addresses = {"email": user.get("email"), "mobile": user.get("mobile")}
    params = sealed_params(template_params(request.kind, request.params))
    scope = dict(request.scope) if request.scope is not None else _scope_of(user)
    return [
        outbox.NewNotification(
            kind=request.kind,
            channel=channel,
            subject_entity=request.subject_entity,
            params=params,
            user_id=str(user["_id"]) if user.get("_id") else None,
            email=addresses["email"],
            mobile=addresses["mobile"],
            name=user.get("name"),
            essential=request.kind in ESSENTIAL_KINDS,
            scope=scope,
        )
        for channel in request.channels
        if addresses["email" if channel == "email" else "mobile"]
    ]


def template_params(kind: str, params: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The caller's params plus what the template needs that can be derived (links, expiry text)."""
    out = {key: value for key, value in params.items() if value is not None}
    expires_at = _as_datetime(out.get("expires_at"))
    if expires_at is not None:
        out["expires_at"] = f"on {expires_at:%d %b %Y at %H:%M} UTC"
    token = out.get("token")
    if token and kind in TOKEN_LINK_PATHS:
        link = f"{app_base_url()}{TOKEN_LINK_PATHS[kind]}?token={quote(str(token), safe='')}"
        out.setdefault("invite_url" if kind == "invitation" else "reset_url", link)
    if kind == "password_reset" and expires_at is not None and "expires_minutes" not in out:
        remaining = (expires_at - (now or utcnow())).total_seconds()
        out["expires_minutes"] = max(1, round(remaining / 60))
    return out


def sealed_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` with its secrets (token, links) moved into one sealed field."""
    secrets = {name: params[name] for name in SECRET_PARAMS if name in params}
    kept = {name: value for name, value in params.items() if name not in SECRET_PARAMS}
    return {**kept, SEALED: sealer().seal(secrets)} if secrets else kept


def opened_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Stored params with the sealed secrets put back (raises SealError when no key opens them)."""
    opened = {name: value for name, value in params.items() if name != SEALED}
    if params.get(SEALED):
        opened.update(sealer().open(params[SEALED]))
    return opened


def sealer() -> Sealer:
    settings = get_settings()
    return _sealer(settings.field_encryption_keys, settings.secret_key)


@lru_cache(maxsize=4)
def _sealer(keys: str, secret_key: str) -> Sealer:
    if keys:
        return Sealer([key.strip() for key in keys.split(",")])
    return Sealer([derived_key(secret_key, "ai-versant notification params")])


def app_base_url() -> str:
    return get_settings().app_base_url.rstrip("/")


def _kick(groups: Mapping[str, Sequence[ObjectId]]) -> None:
    kicker = _registered.get("kicker")
    if kicker is None:
        return
    try:
        kicker(groups)
    except Exception:  # the beat dispatcher picks the messages up; the request still succeeds
        count = sum(len(ids) for ids in groups.values())
        log.warning("notification kick failed for %d messages; beat will send them", count, exc_info=True)


def _scope_of(user: Mapping[str, Any]) -> dict[str, Any]:
    return {name: str(user[name]) for name in SCOPE_FIELDS if user.get(name)}


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
