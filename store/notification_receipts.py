"""The `notification_receipts` collection: what the provider answered for each call.

One document per provider call (claim), `_id` = the claim id, holding the provider's message
ids in the order the messages were sent: {provider, channel, sent_at, message_ids,
provider_message_ids}. The outbox marks a whole claim `sent` with one write and the
per-message provider ids live here, so sending 1,000 emails costs two writes, not 1,001
(ADR 0012). Reads of the outbox join them back as `provider_message_id`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo.errors import DuplicateKeyError

from store.common import in_chunks

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "notification_receipts"


def ensure_indexes(db: Database) -> None:
    """Only `_id` (the claim id) is looked up."""
    db[COLLECTION].create_index("sent_at", name="sent_at")


def record(
    db: Database,
    claim_id: str,
    provider: str,
    channel: str,
    provider_ids: dict[ObjectId, str],
    sent_at: datetime,
) -> None:
    """Store one call's answer; a replay of the same claim overwrites it with the same ids.
    (Insert, then replace on a duplicate: an upsert would do, but the nx-27017 stand-in gives
    an upserted replacement a new `_id` instead of the filter's.)
    """
    receipt = {
        "provider": provider,
        "channel": channel,
        "sent_at": sent_at,
        "message_ids": list(provider_ids),
        "provider_message_ids": list(provider_ids.values()),
    }
    try:
        db[COLLECTION].insert_one({"_id": claim_id, **receipt})
    except DuplicateKeyError:
        db[COLLECTION].replace_one({"_id": claim_id}, receipt)


def provider_ids_for(db: Database, claim_ids: Iterable[str]) -> dict[tuple[str, ObjectId], str]:
    """(claim id, message id) -> the provider's message id, for these claims."""
    found: dict[tuple[str, ObjectId], str] = {}
    for chunk in in_chunks(sorted(set(claim_ids))):
        for receipt in db[COLLECTION].find({"_id": {"$in": chunk}}):
            pairs: Sequence[tuple[ObjectId, str]] = list(
                zip(receipt["message_ids"], receipt["provider_message_ids"], strict=True)
            )
            found.update({(receipt["_id"], oid): pid for oid, pid in pairs})
    return found
