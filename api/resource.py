"""A collection resource narrowed by the access policy: what the organisation blueprints share.

Scoped lookups and pages, writes whose unique-index refusals become 409s naming the field,
the dependents check before a delete, and the audit trail. Each blueprint keeps only what is
particular to its resource (placement checks, role rules, token revocation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from api.access import changeable, referenced, visible, within_scope
from api.auditing import audit_event
from api.errors import ApiError
from store.common import NamedRecords, Records
from store.mongo import get_db

Write = Callable[[Database, Any, dict[str, Any]], dict | None]
Remove = Callable[[Database, Any], bool]


@dataclass(frozen=True)
class ScopedResource:
    kind: str  # the resource kind in the access policy (and the permission module)
    what: str  # singular, for messages and audit actions: "campus"
    records: Records
    duplicates: Mapping[str, str] = field(default_factory=dict)  # indexed field -> message
    base: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"role": "student"}

    def get(self, record_id: str) -> dict:
        """The record if the caller may see it; 404 otherwise."""
        return visible(self.records, self.kind, record_id, self.what, dict(self.base))

    def get_to_change(self, record_id: str) -> dict:
        """The record if the caller may change it; 404 when they may not see it, 403 when only see it."""
        return changeable(self.records, self.kind, self.get(record_id), self.what, dict(self.base))

    def reference(self, record_id: str, body_field: str) -> dict:
        """A record a request body names; 422 on that field when missing or out of scope."""
        return referenced(self.records, self.kind, record_id, body_field, self.what, dict(self.base))

    def page(self, filters: dict[str, Any], args: Mapping[str, Any]) -> dict:
        """One page of the records in the caller's scope matching `filters`."""
        query = within_scope(self.kind, {**self.base, **filters})
        return self.records.page(get_db(), query, args["sort"], args["page"], args["per_page"]).as_dict()

    def create(self, insert: Callable[[Database], dict]) -> dict:
        with self.conflicts():
            created = insert(get_db())
        self.audit("create", None, created)
        return created

    def update(self, doc: dict, changes: dict[str, Any], write: Write | None = None) -> dict:
        with self.conflicts():
            updated = (write or self.records.set_fields)(get_db(), doc["_id"], changes)
        if updated is None:
            raise ApiError(404, "not_found", f"No such {self.what}.")
        self.audit("update", doc, updated)
        return updated

    def delete(self, doc: dict, dependents: Mapping[str, int], remove: Remove | None = None) -> None:
        """Delete unless something still depends on the record (409 naming what); never cascades."""
        blocking = {kind: count for kind, count in dependents.items() if count}
        if blocking:
            listed = ", ".join(f"{count} {kind}" for kind, count in blocking.items())
            raise ApiError(
                409,
                "has_dependents",
                f"This {self.what} still has {listed}; move or delete them first, "
                f"or deactivate it instead (PATCH active=false).",
                {"dependents": blocking},
            )
        (remove or self.records.delete)(get_db(), doc["_id"])
        self.audit("delete", doc, None)

    @contextmanager
    def conflicts(self) -> Iterator[None]:
        """DuplicateKeyError -> 409 naming the field whose unique index refused the write."""
        try:
            yield
        except DuplicateKeyError as exc:
            text = str(exc.details or exc)
            for stored_field, message in self.duplicates.items():
                if stored_field in text:
                    api_field = stored_field.removesuffix("_key")
                    raise ApiError(409, "duplicate", message, {api_field: [message]}) from None
            raise ApiError(409, "duplicate", "A record with these values exists already.") from None

    def audit(self, verb: str, before: dict | None, after: dict | None) -> None:
        target = after if after is not None else before
        audit_event(
            f"{self.what}.{verb}",
            target_type=self.what,
            target_id=str(target["_id"]) if target else "",
            before=before,
            after=after,
        )


def common_filters(args: Mapping[str, Any], exact: tuple[str, ...] = ("active",)) -> dict[str, Any]:
    """Exact-match filters named in `exact`, and `q` as a name search (campuses, courses, batches)."""
    filters = {name: args[name] for name in exact if name in args}
    if args.get("q"):
        filters.update(NamedRecords.name_contains(args["q"]))
    return filters
