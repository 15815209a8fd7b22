"""The `items` collection: the item bank, shared (campus_id None) or of one campus.

An item a test uses is never changed or removed: editing it makes a new version (a new
document in the same `family_id`, `replaces` naming the old one, which is retired) and
deleting it retires it, so every stored answer and score still points at the exact item it
was given. `prompt_audio` follows the item: `{state: none|pending|ready|failed, key, source,
duration_seconds, voice, sha256, error, rev}`; `rev` counts audio requests so that a render
finishing after a newer request does not overwrite it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument

from domain.ids import to_object_id
from store.common import Records, utcnow

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pymongo.database import Database

COLLECTION = "items"
records = Records(COLLECTION)
NO_AUDIO: dict[str, Any] = {"state": "none", "rev": 0}
# Items an item import created carry its id and the file row they came from.
IMPORT_MARKER, ROW_MARKER = "created_by_import", "import_row"
_CREATED_PROJECTION = {ROW_MARKER: 1, "type": 1, "campus_id": 1, "prompt_audio": 1}
# Content fields searched by `q` (their text joined, case-folded).
_SEARCHED = ("text", "question", "story", "passage", "sentence", "prompt", "phrases", "options")


def ensure_indexes(db: Database) -> None:
    items = db[COLLECTION]
    items.create_index([("campus_id", ASCENDING), ("type", ASCENDING), ("level", ASCENDING)], name="campus_type_level")
    items.create_index([("type", ASCENDING), ("level", ASCENDING), ("module", ASCENDING)], name="type_level_module")
    items.create_index([("family_id", ASCENDING), ("version", DESCENDING)], name="family_version")
    items.create_index([("created_at", DESCENDING)], name="recent")
    # One item per item-import row, whatever happens to the deliveries (items no import created
    # are not in the index).
    items.create_index(
        [(IMPORT_MARKER, ASCENDING), (ROW_MARKER, ASCENDING)],
        name="item_import_row",
        unique=True,
        partialFilterExpression={IMPORT_MARKER: {"$type": "string"}},
    )


def search_text(content: dict[str, Any]) -> str:
    parts: list[str] = []
    for name in _SEARCHED:
        value = content.get(name)
        parts.extend(value if isinstance(value, list) else [value] if isinstance(value, str) else [])
    return " ".join(" ".join(str(part).split()) for part in parts).casefold()


def text_filter(q: str) -> dict[str, Any]:
    return {"search_text": {"$regex": re.escape(" ".join(q.split()).casefold())}}


def create(db: Database, fields: dict[str, Any], *, created_by: str, audio: dict[str, Any]) -> dict:
    now = utcnow()
    item_id = ObjectId()
    doc = {
        "_id": item_id,
        "family_id": str(item_id),
        "version": 1,
        "replaces": None,
        "used": False,
        "retired": False,
        "active": True,
        **fields,
        "search_text": search_text(fields["content"]),
        "prompt_audio": audio,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    db[COLLECTION].insert_one(doc)
    return doc


def new_version(
    db: Database, item: dict[str, Any], changes: dict[str, Any], *, created_by: str, audio: dict[str, Any]
) -> dict:
    """A copy of a used item with `changes`, one version up; the old version is retired."""
    kept = ("type", "level", "module", "campus_id", "time_limit_seconds", "content", "active")
    fields: dict[str, Any] = {name: item[name] for name in kept if name in item}
    fields.update(changes)
    now = utcnow()
    doc: dict[str, Any] = {
        **fields,
        "_id": ObjectId(),
        "family_id": item["family_id"],
        "version": item["version"] + 1,
        "replaces": str(item["_id"]),
        "used": False,
        "retired": False,
        "search_text": search_text(fields["content"]),
        "prompt_audio": audio,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    db[COLLECTION].insert_one(doc)
    retire(db, item["_id"], superseded_by=str(doc["_id"]))
    return doc


def update_in_place(db: Database, item_id: ObjectId, changes: dict[str, Any]) -> dict | None:
    """Change an item no test uses yet."""
    fields = dict(changes)
    if "content" in fields:
        fields["search_text"] = search_text(fields["content"])
    return db[COLLECTION].find_one_and_update(
        {"_id": item_id, "used": False},
        {"$set": {**fields, "updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER,
    )


def retire(db: Database, item_id: ObjectId, *, superseded_by: str | None = None) -> None:
    db[COLLECTION].update_one(
        {"_id": item_id}, {"$set": {"retired": True, "superseded_by": superseded_by, "updated_at": utcnow()}}
    )


def delete_unused(db: Database, item_id: ObjectId) -> bool:
    """Remove an item no test uses; False when a test started using it meanwhile."""
    return db[COLLECTION].delete_one({"_id": item_id, "used": False}).deleted_count == 1


def mark_used(db: Database, item_ids: Iterable[str]) -> None:
    oids = [oid for oid in map(to_object_id, item_ids) if oid is not None]
    if oids:
        db[COLLECTION].update_many(
            {"_id": {"$in": oids}, "used": False}, {"$set": {"used": True, "updated_at": utcnow()}}
        )


def get_many(db: Database, item_ids: Iterable[str]) -> dict[str, dict]:
    """Items by id (as text); ids that are not items are left out."""
    oids = [oid for oid in map(to_object_id, item_ids) if oid is not None]
    return {str(doc["_id"]): doc for doc in db[COLLECTION].find({"_id": {"$in": oids}})} if oids else {}


def ids_for_draw(db: Database, query: dict[str, Any]) -> list[str]:
    """Ids of the active, current items matching a section's draw, in a stable order."""
    found = db[COLLECTION].find({**query, "retired": False, "active": True}, {"_id": 1}).sort("_id", ASCENDING)
    return [str(doc["_id"]) for doc in found]


# --- prompt audio ---------------------------------------------------------------------------


def request_audio(db: Database, item_id: ObjectId) -> dict | None:
    """Mark the item's prompt audio pending under a new revision; the item as it is now."""
    return db[COLLECTION].find_one_and_update(
        {"_id": item_id},
        {
            "$set": {"prompt_audio.state": "pending", "prompt_audio.error": None, "updated_at": utcnow()},
            "$inc": {"prompt_audio.rev": 1},
        },
        return_document=ReturnDocument.AFTER,
    )


def record_audio(db: Database, item_id: ObjectId, rev: int, audio: dict[str, Any]) -> bool:
    """Store a rendered or uploaded prompt (ready or failed), unless a newer request superseded it."""
    result = db[COLLECTION].update_one(
        {"_id": item_id, "prompt_audio.rev": rev},
        {"$set": {"prompt_audio": {**audio, "rev": rev}, "updated_at": utcnow()}},
    )
    return result.modified_count == 1


# --- items made by an item import -------------------------------------------------------------


def created_by_import(db: Database, import_id: str) -> dict[int, dict]:
    """The items this import already created, by file row: the one read a delivery makes of them."""
    found = db[COLLECTION].find({IMPORT_MARKER: import_id}, _CREATED_PROJECTION)
    return {doc[ROW_MARKER]: doc for doc in found}


def created_for_row(db: Database, import_id: str, row: int) -> dict | None:
    """The item this import created for `row`, if any (after the unique index refused a second one)."""
    return db[COLLECTION].find_one({IMPORT_MARKER: import_id, ROW_MARKER: row}, _CREATED_PROJECTION)
