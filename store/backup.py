"""`python -m store backup` and `python -m store restore KEY`: every collection to one S3 object and back.

The object (`backups/<UTC time>.bson.gz`) goes to BACKUP_BUCKET, never to S3_BUCKET: it holds
password hashes and reference answers, and the API reads and presigns from S3_BUCKET (production
gives the API's credentials no access to the backup bucket; README, Backups). It is gzip-compressed
BSON, so every type comes back as it went (ObjectIds, dates, binary): first a header {format,
created_at, collections: {name: count}, snapshot}, then one {c: collection, d: document} per
document. It is written with server-side encryption when S3_SERVER_SIDE_ENCRYPTION is set
(store/files.py).

Consistency: on a replica set the export reads every collection at one point in time (a snapshot
session). A server without snapshot reads (the development stand-ins) is read collection by
collection; the header says which. Restore loads into a database whose collections are all empty
(it refuses otherwise, naming them), then applies the indexes the code declares.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import logging
import re
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import bson
import bson.errors
from pymongo.errors import PyMongoError

from store import files, migrations
from store.common import utcnow

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pymongo.client_session import ClientSession
    from pymongo.database import Database

log = logging.getLogger(__name__)
FORMAT = "aiversant-backup/1"
PREFIX = "backups/"
BATCH = 1000
_NAME = re.compile(r"\d{8}T\d{12}Z\.bson\.gz")  # what backup() names its objects


@dataclass
class Backup:
    key: str
    counts: dict[str, int] = field(default_factory=dict)
    snapshot: bool = False


class RestoreRefusedError(Exception):
    """The target database is not empty, or the object is not a backup."""


def backup(db: Database) -> Backup:
    """Export every collection to a new object under backups/ in the backup bucket; what was written."""
    names = sorted(name for name in db.list_collection_names() if not name.startswith("system."))
    key = f"{PREFIX}{utcnow().strftime('%Y%m%dT%H%M%S%fZ')}.bson.gz"
    with tempfile.TemporaryFile() as spool:
        result = Backup(key)
        with gzip.GzipFile(fileobj=spool, mode="wb") as out, _snapshot(db) as session:
            result.snapshot = session is not None
            counts = {name: db[name].count_documents({}, session=session) for name in names}
            header = {"format": FORMAT, "created_at": utcnow(), "collections": counts, "snapshot": result.snapshot}
            out.write(bson.encode(header))
            for name in names:
                for doc in db[name].find({}, session=session).sort("_id", 1):
                    out.write(bson.encode({"c": name, "d": doc}))
                    result.counts[name] = result.counts.get(name, 0) + 1
        spool.seek(0)
        files.put_stream(key, spool, "application/gzip", bucket_name=files.backup_bucket())
    log.info("backup written key=%s collections=%d documents=%d", key, len(names), sum(result.counts.values()))
    return result


def restore(db: Database, key: str) -> dict[str, int]:
    """Load the backup at `key` (in the backup bucket) into `db`, whose collections must all be empty;
    counts restored.
    """
    with tempfile.TemporaryFile() as spool:
        for chunk in files.iter_chunks(key, bucket_name=files.backup_bucket()):
            spool.write(chunk)
        spool.seek(0)
        with gzip.GzipFile(fileobj=spool, mode="rb") as packed:
            records = bson.decode_file_iter(cast("BinaryIO", packed))
            try:
                header = next(records, None)
            except (OSError, bson.errors.InvalidBSON) as exc:  # not gzip, or not BSON inside
                raise RestoreRefusedError(f"{key} is not an AI-VERSANT backup ({exc})") from exc
            if not header or header.get("format") != FORMAT:
                raise RestoreRefusedError(f"{key} is not an AI-VERSANT backup")
            occupied = sorted(name for name in header["collections"] if db[name].estimated_document_count())
            if occupied:
                raise RestoreRefusedError(f"the database is not empty: {', '.join(occupied)}")
            restored = _load(db, records)
    migrations.apply_all(db)
    if restored != {name: count for name, count in header["collections"].items() if count}:
        log.warning("restore counts differ from the backup's header key=%s", key)
    log.info("backup restored key=%s documents=%d", key, sum(restored.values()))
    return restored


def _load(db: Database, records: Iterator[dict[str, Any]]) -> dict[str, int]:
    """Insert the records (one collection after another, as written) in batches; counts by collection."""
    restored: dict[str, int] = {}
    for name, group in itertools.groupby(records, key=lambda record: record["c"]):
        documents = (record["d"] for record in group)
        while batch := list(itertools.islice(documents, BATCH)):
            db[name].insert_many(batch, ordered=True)
            restored[name] = restored.get(name, 0) + len(batch)
    return restored


@contextlib.contextmanager
def _snapshot(db: Database) -> Iterator[ClientSession | None]:
    """A snapshot session where the server has snapshot reads, else None (read collection by collection)."""
    session = _snapshot_session(db)
    if session is None:
        yield None
        return
    with session:
        yield session


def _snapshot_session(db: Database) -> ClientSession | None:
    try:
        session = db.client.start_session(snapshot=True)
    except (PyMongoError, ValueError) as exc:
        log.warning("no snapshot sessions on this server (%s): each collection is read on its own", exc)
        return None
    try:
        db[migrations.COLLECTION].find_one({}, session=session)  # a server without snapshot reads refuses here
    except PyMongoError as exc:
        session.end_session()
        log.warning("no snapshot reads on this server (%s): each collection is read on its own", exc)
        return None
    return session


def latest_key() -> str | None:
    """The newest backup's key, if any (their names sort by time)."""
    keys = files.list_keys(PREFIX, bucket_name=files.backup_bucket())
    keys = [key for key in keys if _NAME.fullmatch(key.removeprefix(PREFIX))]
    return max(keys) if keys else None
