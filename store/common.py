"""What every collection module needs: UTC time, ids, name keys, and bounded pages.

`Records` gives a collection module the common reads and writes of one collection
(find by id within a filter, a page, set fields, delete, count); the module adds what is
particular to its collection. Nothing outside `store/` opens a collection itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from domain.filters import all_of, alternatives
from domain.ids import to_object_id
from domain.paging import MAX_PAGE

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from bson import ObjectId
    from pymongo.collection import Collection
    from pymongo.database import Database

__all__ = ["IN_CHUNK", "MAX_PAGE", "NamedRecords", "Page", "Records", "as_utc", "name_key", "to_object_id", "utcnow"]

Filter = dict[str, Any]
IN_CHUNK = 100


def in_chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """`$in` lists of at most `size`: long ones cost far more than linear on the stand-in
    servers (1000 ids ~0.8 s on SecantusDB, 10 x 100 ids ~0.15 s) and nothing on MongoDB.
    """
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def utcnow() -> datetime:
    """Now, in UTC, to the millisecond: what MongoDB keeps, so stored and in-memory values are equal."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def as_utc(value: Any) -> datetime | None:
    """A stored time back as an aware UTC datetime, also from a server that returns text (nx-27017)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return None


def name_key(name: str) -> str:
    """Names are unique regardless of case and surrounding spaces."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Page:
    items: list[dict]
    total: int
    page: int
    per_page: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "page": self.page, "per_page": self.per_page}


def first_row(page: int, per_page: int) -> int:
    """Where a page starts (0-based); page is 1-based and at most MAX_PAGE."""
    if not 1 <= page <= MAX_PAGE or per_page < 1:
        msg = f"page must be 1..{MAX_PAGE} and per_page positive (got {page}, {per_page})"
        raise ValueError(msg)
    return (page - 1) * per_page


def page_of(
    collection: Collection,
    query: Filter,
    sort: list[tuple[str, int]],
    page: int,
    per_page: int,
    *,
    projection: Filter | None = None,
    refine: Filter | None = None,
) -> Page:
    """One page of a query, in `sort` order; page is 1-based and at most MAX_PAGE.

    `refine` narrows `query` further (see `narrowed`): `query` is then the part an index serves
    (a caller's scope on a multikey field, say) and `refine` what is checked on the documents it
    finds (a time window).
    """
    skip = first_row(page, per_page)
    if not refine:
        cursor = collection.find(query, projection).sort(sort).skip(skip).limit(per_page)
        return Page(list(cursor), collection.count_documents(query), page, per_page)
    matched = narrowed(query, refine)
    shaped: list[Filter] = [{"$sort": dict(sort)}, {"$skip": skip}, {"$limit": per_page}]
    items = list(collection.aggregate(matched + shaped + ([{"$project": projection}] if projection else [])))
    counted = next(collection.aggregate([*matched, {"$count": "total"}]), {"total": 0})
    return Page(items, counted["total"], page, per_page)


def sort_spec(sort: str) -> list[tuple[str, int]]:
    """Sort by "name", or by "-name" (descending); ties broken by _id in the same direction."""
    direction = DESCENDING if sort.startswith("-") else ASCENDING
    return [(sort.lstrip("-"), direction), ("_id", direction)]


def narrowed(indexed: Filter, rest: Filter | None) -> list[Filter]:
    """$match stages for `indexed`, the part of a filter an index serves, then `rest`.

    MongoDB merges consecutive $match stages and plans them as one filter. The development
    server (SecantusDB) plans an index only for a filter every field of which one index covers,
    and none for a top-level $or or $and; given the indexed part as a stage of its own, it uses
    the index for that and checks `rest` on the few documents it found.
    """
    return [{"$match": indexed}, {"$match": rest}] if rest else [{"$match": indexed}]


def one_by_id(collection: Collection, oid: ObjectId, within: Filter | None = None) -> dict | None:
    """The document with this _id, if it also matches `within` (a caller's scope).

    Sent as flat filters that pin `_id` (a scope's `$or` becomes one find per branch): every
    server answers those through the _id index, where the development server scans the whole
    collection for a filter with a top-level operator (ADR 0013).
    """
    for query in alternatives(all_of({"_id": oid}, within or {})):
        found: dict | None = collection.find_one(query)
        if found is not None:
            return found
    return None


class Records:
    """The common reads and writes of one collection, for the module that owns it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def of(self, db: Database) -> Collection:
        return db[self.name]

    def get(self, db: Database, record_id: str | ObjectId, within: Filter | None = None) -> dict | None:
        """The record with this id, if it also matches `within` (e.g. a caller's scope)."""
        oid = to_object_id(record_id)
        if oid is None:
            return None
        return one_by_id(self.of(db), oid, within)

    def find_one(self, db: Database, query: Filter) -> dict | None:
        return self.of(db).find_one(query)

    def page(
        self,
        db: Database,
        query: Filter,
        sort: str,
        page: int,
        per_page: int,
        *,
        projection: Filter | None = None,
        refine: Filter | None = None,
    ) -> Page:
        return page_of(self.of(db), query, sort_spec(sort), page, per_page, projection=projection, refine=refine)

    def count(self, db: Database, query: Filter) -> int:
        return self.of(db).count_documents(query)

    def ids(self, db: Database, query: Filter) -> set[str]:
        """The ids (as text) of the records matching `query`."""
        return {str(doc["_id"]) for doc in self.of(db).find(query, {"_id": 1})}

    def set_fields(self, db: Database, record_id: ObjectId, changes: Filter) -> dict | None:
        """Set fields (and updated_at); the record as it is afterwards, or None if it is gone."""
        return self.of(db).find_one_and_update(
            {"_id": record_id}, {"$set": {**changes, "updated_at": utcnow()}}, return_document=ReturnDocument.AFTER
        )

    def delete(self, db: Database, record_id: ObjectId) -> bool:
        return self.of(db).delete_one({"_id": record_id}).deleted_count == 1


class NamedRecords(Records):
    """Records with a `name` unique by its `name_key` (campuses, courses, batches)."""

    def set_fields(self, db: Database, record_id: ObjectId, changes: Filter) -> dict | None:
        if "name" in changes:
            changes = {**changes, "name_key": name_key(changes["name"])}
        return super().set_fields(db, record_id, changes)

    @staticmethod
    def name_contains(text: str) -> Filter:
        """A filter for names containing `text`, ignoring case and spacing."""
        return {"name_key": {"$regex": re.escape(name_key(text))}}
