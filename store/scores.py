"""The `scores` collection: one document per scored answer, with the inputs to score it again.

`_id` is the id of the job that first scored it, so a redelivered scoring job rewrites the
same document. `attempt_id` / `test_id` / `item_id` tie a score to the assessment that
asked for it (optional: admins may score a single answer to check an item). Re-scoring keeps
earlier versions' figures in `history`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING

from store.common import to_object_id, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bson import ObjectId
    from pymongo.database import Database

COLLECTION = "scores"
KINDS = ("spoken", "written", "mcq")
# Optional links from a score to the assessment that asked for it; re-scoring selects by them.
REF_FIELDS = ("attempt_id", "test_id", "item_id")


def audio_key(job_id: str) -> str:
    """Where the audio of an answer sent for scoring is kept (S3)."""
    return f"scoring/{job_id}/answer"


def ensure_indexes(db: Database) -> None:
    scores = db[COLLECTION]
    scores.create_index([("attempt_id", ASCENDING)], name="attempt")
    scores.create_index([("test_id", ASCENDING)], name="test")


def save(
    db: Database,
    score_id: ObjectId,
    kind: str,
    inputs: dict[str, Any],
    refs: dict[str, Any],
    *,
    owner_id: str,
    result: dict[str, Any],
) -> None:
    now = utcnow()
    db[COLLECTION].update_one(
        {"_id": score_id},
        {
            "$set": {
                "kind": kind,
                "inputs": inputs,
                "owner_id": owner_id,
                **refs,
                "scoring_version": result.get("scoring_version"),
                "result": result,
                "scored_at": now,
            },
            "$setOnInsert": {"created_at": now, "history": []},
        },
        upsert=True,
    )


def matching(db: Database, *, attempt_id: str | None = None, test_id: str | None = None) -> Iterator[dict]:
    query = {"attempt_id": attempt_id} if attempt_id else {"test_id": test_id}
    return db[COLLECTION].find(query).sort("_id", ASCENDING)


def count_matching(db: Database, *, attempt_id: str | None = None, test_id: str | None = None) -> int:
    query = {"attempt_id": attempt_id} if attempt_id else {"test_id": test_id}
    return db[COLLECTION].count_documents(query)


def replace_result(db: Database, score: dict, result: dict[str, Any]) -> None:
    """Store a re-score; the figures it replaces go to `history`."""
    previous = {
        "scoring_version": score.get("scoring_version"),
        "overall": _overall(score["result"]),
        "scored_at": score.get("scored_at"),
    }
    db[COLLECTION].update_one(
        {"_id": score["_id"], "scoring_version": score.get("scoring_version")},
        {
            "$set": {"result": result, "scoring_version": result.get("scoring_version"), "scored_at": utcnow()},
            "$push": {"history": previous},
        },
    )


def get(db: Database, score_id: str | ObjectId) -> dict | None:
    """The score kept under this id (the id of the job that scored it)."""
    oid = to_object_id(score_id)
    return None if oid is None else db[COLLECTION].find_one({"_id": oid})


def _overall(result: dict[str, Any]) -> Any:
    return result.get("overall", result.get("score"))
