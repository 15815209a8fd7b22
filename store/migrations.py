"""Indexes and versioned data migrations, applied by `python -m store migrate`.

Indexes are declared next to each collection's access functions (`ensure_indexes` in
each store module) and are (re)applied on every run: creating an existing index is a
no-op. Data migrations are numbered steps, each recorded once in `migrations`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pymongo.database import Database

from store import INDEXED_MODULES, notification_receipts, notifications, papers
from store.common import utcnow

log = logging.getLogger(__name__)
COLLECTION = "migrations"
Migration = Callable[[Database], None]


def _initial(db: Database) -> None:
    """Version 1 is the schema the indexes describe; nothing to transform."""


def _provider_ids_to_receipts(db: Database) -> None:
    """Provider message ids move from each sent message to one receipt per claim, and the
    outbox keeps fewer indexes (ADR 0012).
    """
    by_claim: dict[str, list[dict]] = {}
    for doc in notifications.with_legacy_provider_ids(db):
        by_claim.setdefault(doc["claim_id"], []).append(doc)
    for claim_id, docs in by_claim.items():
        notification_receipts.record(
            db,
            claim_id,
            docs[0].get("provider") or "unknown",
            docs[0]["channel"],
            {doc["_id"]: doc["provider_message_id"] for doc in docs},
            docs[0].get("sent_at") or utcnow(),
        )
    notifications.drop_legacy_provider_ids(db)
    notifications.align_leases_and_retire_indexes(db)


def _test_audience(db: Database) -> None:
    """Tests carry `audience`, the one field a student's scope matches (domain.access.audience)."""
    papers.fill_audience(db)


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "initial schema", _initial),
    (2, "notification receipts and leaner outbox indexes", _provider_ids_to_receipts),
    (3, "tests: audience tokens for the student scope", _test_audience),
]


def apply_all(db: Database) -> list[int]:
    for module in INDEXED_MODULES:
        module.ensure_indexes(db)
    applied = {doc["_id"] for doc in db[COLLECTION].find({}, {"_id": 1})}
    done: list[int] = []
    for version, description, step in MIGRATIONS:
        if version in applied:
            continue
        step(db)
        db[COLLECTION].insert_one({"_id": version, "description": description, "applied_at": utcnow()})
        log.info("migration applied version=%s description=%r", version, description)
        done.append(version)
    return done
