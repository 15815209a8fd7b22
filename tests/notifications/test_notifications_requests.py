"""notify / notify_many: channels from what the user has, links and expiry built, one
message per key, the kick; and the notification settings' validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.settings import ConfigError, load_settings
from domain.masking import mask_params
from services import notify as notify_requests
from services.notify import NotifyRequest, notify, notify_many
from store import notifications as outbox

from .helpers import BASE_ENV

USER = {
    "_id": "u1",
    "name": "Asha",
    "email": "asha@school.test",
    "mobile": "+919876543210",
    "campus_id": "c1",
    "course_id": "k1",
    "batch_id": "b1",
}


@pytest.fixture
def kicks():
    seen: list[list] = []

    def kicker(groups):
        seen.append({group: list(ids) for group, ids in groups.items()})

    with notify_requests.kickers_in_use(kicker):
        yield seen


def test_one_message_per_channel_the_user_has(outbox_db, kicks):
    ids = notify(outbox_db, "invitation", USER, {"token": "tok-1", "expires_at": "2030-01-01T10:00:00Z"}, "inv:1")
    docs = sorted(outbox.get_many(outbox_db, ids), key=lambda d: d["channel"])
    assert [d["channel"] for d in docs] == ["email", "sms"]
    groups = {group: oids for kick in kicks for group, oids in kick.items()}
    assert sorted(groups.values()) == sorted([[oid] for oid in ids])  # a dispatch group per channel, kicked
    assert {doc["dispatch_group"] for doc in docs} == set(groups)
    assert all(d["essential"] and d["scope"] == {"campus_id": "c1", "course_id": "k1", "batch_id": "b1"} for d in docs)
    assert "tok-1" not in str(docs)  # the token and its link are sealed at rest
    params = notify_requests.opened_params(docs[0]["params"])
    assert params["token"] == "tok-1"
    assert params["invite_url"] == "http://127.0.0.1:8000/invitations/accept?token=tok-1"
    assert params["expires_at"] == "on 01 Jan 2030 at 10:00 UTC"
    email_only = notify(outbox_db, "invitation", {**USER, "_id": "u2", "mobile": None}, {"token": "t"}, "inv:2")
    assert [d["channel"] for d in outbox.get_many(outbox_db, email_only)] == ["email"]


def test_the_same_request_twice_is_one_message_and_one_kick(outbox_db, kicks):
    first = notify(outbox_db, "test_reminder", USER, {"test_name": "T"}, "test:t1:2030-01-01", channels=["email"])
    second = notify(outbox_db, "test_reminder", USER, {"test_name": "T"}, "test:t1:2030-01-01", channels=["email"])
    assert first == second
    assert len(kicks) == 1
    assert outbox_db[outbox.COLLECTION].count_documents({}) == 1


def test_bulk_requests_go_in_one_group_per_channel_and_keep_request_order(outbox_db, kicks):
    requests = [
        NotifyRequest(
            "invitation", {**USER, "_id": f"m{i}", "email": f"m{i}@school.test"}, {"token": f"t{i}"}, f"i:{i}"
        )
        for i in range(3)
    ]
    result = notify_many(outbox_db, requests)
    docs = {doc["_id"]: doc for doc in outbox.get_many(outbox_db, result.message_ids)}
    in_order = [(docs[oid]["recipient"]["user_id"], docs[oid]["channel"]) for oid in result.message_ids]
    assert in_order == [(f"m{i}", channel) for i in range(3) for channel in ("email", "sms")]
    groups = [oids for kick in kicks for oids in kick.values()]
    assert [{docs[oid]["channel"] for oid in oids} for oids in groups] == [{"email"}, {"sms"}]
    assert sorted(oid for oids in groups for oid in oids) == sorted(result.message_ids)


def test_bulk_requests_report_unreachable_users(outbox_db, kicks):
    result = notify_many(
        outbox_db,
        [
            NotifyRequest(
                "invitation",
                {**USER, "_id": f"b{i}", "email": f"b{i}@school.test", "mobile": None},
                {"token": f"t{i}"},
                f"inv:b{i}",
            )
            for i in range(3)
        ]
        + [NotifyRequest("invitation", {"_id": "nobody", "name": "No Address"}, {"token": "x"}, "inv:none")],
    )
    assert result.created == 3
    assert result.unreachable_user_ids == ["nobody"]
    assert len(kicks) == 1
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(outbox_db, "newsletter", USER, {}, "x")


def test_a_password_reset_gets_its_link_and_minutes():
    now = outbox.utcnow()
    params = notify_requests.template_params(
        "password_reset", {"token": "a b", "expires_at": now + timedelta(hours=1)}, now=now
    )
    assert params["reset_url"].endswith("/password-reset/confirm?token=a%20b")
    assert params["expires_minutes"] == 60


def test_a_failing_kick_does_not_fail_the_request(outbox_db):
    def broken(_groups):
        raise ConnectionError("broker down")

    with notify_requests.kickers_in_use(broken):
        assert notify(outbox_db, "invitation", USER, {"token": "t"}, "inv:broker-down")


def test_params_are_masked_for_people():
    masked = mask_params(
        {
            "token": "abc",
            "reset_url": "https://app.test/reset?token=abc",
            "test_name": "Unit 3",
            "ref": "Zx81kQ0pLm2nB7vC4xT9yW",
            "nested": {"otp": "1234"},
            "expires_minutes": 60,
        }
    )
    assert masked == {
        "token": "***",
        "reset_url": "https://app.test/***",
        "test_name": "Unit 3",
        "ref": "***",
        "nested": {"otp": "***"},
        "expires_minutes": 60,
    }


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "outbox"),
        ({"BREVO_API_KEY": "key"}, "brevo"),
        ({"NOTIFY_BACKEND": "outbox", "BREVO_API_KEY": "key"}, "outbox"),
    ],
)
def test_the_backend_follows_the_key_unless_named(env, expected):
    assert load_settings({**BASE_ENV, **env}).notification_backend == expected


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NOTIFY_BACKEND": "brevo"}, "BREVO_API_KEY"),
        ({"NOTIFY_BACKEND": "smtp"}, "NOTIFY_BACKEND"),
        ({"SMS_SENDER": "A-very-long-sender"}, "SMS_SENDER"),
        ({"NOTIFY_EMAIL_BATCH_SIZE": "5000"}, "NOTIFY_EMAIL_BATCH_SIZE"),
        ({"NOTIFY_RATE_PER_SECOND": "0"}, "NOTIFY_RATE_PER_SECOND"),
        ({"APP_BASE_URL": "app.test"}, "APP_BASE_URL"),
        ({"BREVO_API_HOST": "ftp://x"}, "BREVO_API_HOST"),
        ({"NOTIFY_REMINDER_HOUR_UTC": "24"}, "NOTIFY_REMINDER_HOUR_UTC"),
    ],
)
def test_bad_notification_settings_stop_start_up(env, named):
    with pytest.raises(ConfigError, match=named):
        load_settings({**BASE_ENV, **env})
