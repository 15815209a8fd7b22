"""Backup and restore: every collection to S3 and back into an empty database, every value as it was;
backups only ever in the backup bucket, never in the bucket the API reads and presigns from."""

from __future__ import annotations

import inspect
import uuid
from datetime import UTC, datetime

import pytest
from bson import Binary, ObjectId

from store import backup, files
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.functional


def everything(db) -> dict[str, list[dict]]:
    return {name: list(db[name].find({}).sort("_id", 1)) for name in sorted(db.list_collection_names())}


@pytest.fixture
def filled(mongo_db, settings):
    files.ensure_bucket()
    files.ensure_bucket(files.backup_bucket())
    when = datetime(2026, 11, 30, 9, 15, 30, 123000, tzinfo=UTC)
    mongo_db["users"].insert_many(
        [{"_id": ObjectId(), "name": f"Student {i}", "role": "student", "created_at": when} for i in range(1500)]
    )
    mongo_db["attempts"].insert_one(
        {"test_id": "t1", "answers": {"i1": {"state": "scored", "score": 7.5}}, "items": [{"item_id": "i1"}]}
    )
    mongo_db["files_meta"].insert_one({"blob": Binary(b"\x00\x01binary"), "tags": ["a", "b"], "none": None})
    return mongo_db


def test_a_backup_restored_into_an_empty_database_gives_back_every_collection(filled):
    before = everything(filled)
    written = backup.backup(filled)
    assert written.key.startswith("backups/")
    assert written.key.endswith(".bson.gz")
    assert written.counts == {"attempts": 1, "files_meta": 1, "users": 1500}
    assert files.head(written.key, bucket_name=files.backup_bucket())["ContentLength"] > 0
    for name in filled.list_collection_names():
        filled.drop_collection(name)
    restored = backup.restore(filled, written.key)
    assert restored == {"attempts": 1, "files_meta": 1, "users": 1500}
    after = everything(filled)
    assert {name: docs for name, docs in after.items() if name in before} == before
    indexed = [list(dict(index["key"])) for index in filled["users"].list_indexes()]
    assert ["email"] in indexed  # the code's indexes were applied


def test_a_backup_lands_in_the_backup_bucket_only_and_is_restored_from_there(filled, settings):
    """Backups hold password hashes and reference answers: never in the bucket the API presigns from."""
    assert settings.backup_bucket != settings.s3_bucket
    app_keys_before = set(files.list_keys(""))
    written = backup.backup(filled)
    assert written.key in files.list_keys(backup.PREFIX, bucket_name=files.backup_bucket())
    assert set(files.list_keys("")) == app_keys_before  # nothing new under the app bucket
    assert files.head(written.key) is None
    assert backup.latest_key() == written.key
    # The same key in the app bucket holds something else: a restore reading it there would refuse.
    files.put_bytes(written.key, b"not the backup")
    try:
        for name in filled.list_collection_names():
            filled.drop_collection(name)
        assert backup.restore(filled, written.key) == written.counts
    finally:
        files.delete(written.key)


def test_the_api_never_names_the_backup_bucket():
    assert "bucket_name" not in inspect.signature(files.presigned_get).parameters  # presigns S3_BUCKET only
    for path in (REPO_ROOT / "api").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "backup_bucket" not in text, path
        assert "store import backup" not in text, path
        assert "store.backup" not in text, path


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(filled):
    written = backup.backup(filled)
    before = everything(filled)
    with pytest.raises(backup.RestoreRefusedError, match=r"not empty: .*users"):
        backup.restore(filled, written.key)
    assert everything(filled) == before


def test_restore_refuses_an_object_that_is_not_a_backup(mongo_db, settings):
    files.ensure_bucket(files.backup_bucket())
    key = f"backups/not-a-backup-{uuid.uuid4().hex}.bson.gz"
    files.put_bytes(key, b"these are not the bytes of a backup", bucket_name=files.backup_bucket())
    with pytest.raises(backup.RestoreRefusedError, match="not an AI-VERSANT backup"):
        backup.restore(mongo_db, key)
    assert mongo_db.list_collection_names() == []


def test_the_command_line_backs_up_and_refuses_to_restore_over_live_data(db, capsys):
    from store.__main__ import main

    assert main(["ensure-backup-bucket"]) == 0
    assert capsys.readouterr().out == f"backup bucket ready: {files.backup_bucket()}\n"
    assert main(["backup"]) == 0
    written = capsys.readouterr().out
    assert written.startswith("backup written: backups/")
    assert backup.latest_key() in written
    assert main(["restore", "latest"]) == 2
    assert "restore refused: the database is not empty" in capsys.readouterr().err
