"""Objects are written with the configured server-side encryption (S3_SERVER_SIDE_ENCRYPTION)."""

from __future__ import annotations

import dataclasses
import io
import uuid

import pytest

from config.settings import ConfigError, load_settings
from store import files


@pytest.fixture
def encrypted(monkeypatch, settings):
    def use(mode: str, key_id: str = "") -> None:
        changed = dataclasses.replace(settings, s3_server_side_encryption=mode, s3_kms_key_id=key_id)
        monkeypatch.setattr(files, "get_settings", lambda: changed)

    return use


def test_every_kind_of_write_is_encrypted_when_asked(db, encrypted):
    encrypted("AES256")
    key = f"sse-test/{uuid.uuid4().hex}"
    files.put_bytes(f"{key}/bytes", b"roster")
    files.put_stream(f"{key}/stream", io.BytesIO(b"answer audio"))
    files.copy(f"{key}/bytes", f"{key}/copy", "text/csv")
    for name in ("bytes", "stream", "copy"):
        assert files.head(f"{key}/{name}")["ServerSideEncryption"] == "AES256", name


def test_without_the_setting_nothing_is_asked_of_the_server(db, encrypted):
    encrypted("none")
    key = f"sse-test/{uuid.uuid4().hex}"
    files.put_bytes(key, b"plain")
    assert files.encryption() == {}
    assert files.head(key) is not None


@pytest.mark.unit
def test_a_kms_key_is_passed_with_kms(encrypted):
    encrypted("aws:kms", "arn:aws:kms:ap-south-1:111122223333:key/abcd")
    assert files.encryption() == {
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "arn:aws:kms:ap-south-1:111122223333:key/abcd",
    }


@pytest.mark.unit
def test_a_kms_key_without_kms_stops_start_up():
    env = {"APP_ENV": "test", "SECRET_KEY": "k" * 40, "MONGO_URI": "mongodb://x", "REDIS_URL": "redis://x"}
    with pytest.raises(ConfigError, match="S3_KMS_KEY_ID needs S3_SERVER_SIDE_ENCRYPTION=aws:kms"):
        load_settings({**env, "S3_BUCKET": "b", "S3_KMS_KEY_ID": "alias/versant"})
    with pytest.raises(ConfigError, match="S3_SERVER_SIDE_ENCRYPTION is malformed"):
        load_settings({**env, "S3_BUCKET": "b", "S3_SERVER_SIDE_ENCRYPTION": "rot13"})
