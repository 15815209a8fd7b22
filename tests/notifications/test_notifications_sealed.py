"""Secrets in queued messages (single-use tokens and the links that carry them) are sealed at rest
with FIELD_ENCRYPTION_KEYS, opened only to render the message, and removed once it is sent."""

from __future__ import annotations

import dataclasses

import pytest

from config.settings import ConfigError, load_settings
from devstack.fake_brevo import EMAIL_PATH
from jobs.notifications import dispatch_batch
from security.sealing import Sealer, SealError, derived_key, new_key
from services.notify import NotifyRequest, notify_many, opened_params, sealed_params
from store import notifications as outbox

from .helpers import BASE_ENV, enqueue_all, invitation

USER = {"_id": "u1", "name": "Asha", "email": "asha@school.test", "mobile": "+919876543210"}


def _queue(db, params: dict, subject: str, channels: tuple[str, ...] = ("email", "sms")) -> list:
    request = NotifyRequest("invitation", USER, params, subject, channels)
    return notify_many(db, [request], kick=False).message_ids


@pytest.mark.unit
def test_a_sealed_value_opens_with_its_key_and_after_a_rotation():
    old, new = new_key(), new_key()
    sealed = Sealer([old]).seal({"token": "raw-secret"})
    assert "raw-secret" not in sealed
    assert Sealer([old]).open(sealed) == {"token": "raw-secret"}
    assert Sealer([new, old]).open(sealed) == {"token": "raw-secret"}  # new key in front, old still opens
    with pytest.raises(SealError):
        Sealer([new]).open(sealed)
    with pytest.raises(SealError):
        Sealer([old]).open(sealed[:-4] + "AAAA")  # tampered


@pytest.mark.unit
def test_derived_keys_depend_on_secret_and_purpose():
    assert derived_key("s" * 40, "a") == derived_key("s" * 40, "a")
    assert derived_key("s" * 40, "a") != derived_key("s" * 40, "b")
    assert derived_key("s" * 40, "a") != derived_key("t" * 40, "a")
    Sealer([derived_key("s" * 40, "a")])  # a valid Fernet key


@pytest.mark.unit
def test_malformed_encryption_keys_stop_start_up_naming_the_setting():
    with pytest.raises(ConfigError, match="FIELD_ENCRYPTION_KEYS is malformed: key 2 is not a Fernet key"):
        load_settings({**BASE_ENV, "FIELD_ENCRYPTION_KEYS": f"{new_key()},not-a-key"})
    keys = f"{new_key()}, {new_key()}"
    assert load_settings({**BASE_ENV, "FIELD_ENCRYPTION_KEYS": keys}).field_encryption_keys == keys


@pytest.mark.unit
def test_only_the_secrets_are_sealed():
    params = sealed_params({"token": "raw", "invite_url": "https://x/accept?token=raw", "expires_at": "soon"})
    assert set(params) == {"expires_at", "sealed"}
    assert "raw" not in str(params)
    assert opened_params(params) == {"token": "raw", "invite_url": "https://x/accept?token=raw", "expires_at": "soon"}
    assert sealed_params({"test_name": "Unit 3"}) == {"test_name": "Unit 3"}


def test_a_queued_invitation_holds_no_readable_token(outbox_db):
    ids = _queue(outbox_db, {"token": "tok-secret-1", "expires_at": "2030-01-01T10:00:00Z"}, "inv:s1")
    for doc in outbox.get_many(outbox_db, ids):
        assert "tok-secret-1" not in str(doc)
        assert opened_params(doc["params"])["invite_url"].endswith("?token=tok-secret-1")


def test_sending_opens_the_seal_and_then_removes_it(outbox_db, fake_brevo, brevo_sender):
    ids = _queue(outbox_db, {"token": "tok-secret-2", "expires_at": "2030-01-01T10:00:00Z"}, "inv:s2", ("email",))
    outcome = dispatch_batch(outbox_db, [str(i) for i in ids], brevo_sender)
    assert outcome.sent == [str(ids[0])]
    (call,) = fake_brevo.calls_to(EMAIL_PATH)
    assert "token=tok-secret-2" in call.body["htmlContent"]
    sent = outbox.get(outbox_db, ids[0])
    assert sent["state"] == "sent"
    assert "sealed" not in sent["params"]
    assert "tok-secret-2" not in str(sent)


def test_a_message_no_key_opens_fails_readably_and_the_rest_go_out(outbox_db, fake_brevo, brevo_sender):
    foreign = Sealer([new_key()]).seal({"invite_url": "https://versant.test/invite/abc"})
    broken = dataclasses.replace(invitation(1), params={"expires_at": "soon", "sealed": foreign})
    ids = enqueue_all(outbox_db, [broken, invitation(2)])
    outcome = dispatch_batch(outbox_db, ids, brevo_sender)
    assert outcome.failed == [ids[0]]
    assert outcome.sent == [ids[1]]
    error = outbox.get(outbox_db, ids[0])["last_error"]
    assert error["code"] == "template_error"
    assert "FIELD_ENCRYPTION_KEYS" in error["message"]
    assert fake_brevo.deliveries() == ["student2@school.test"]
