"""What the organisation endpoints share: scoped lookups, pages, conflicts, and the audit trail."""
from __future__ import annotations

import re
from typing import Any

from bson import ObjectId
from flask_jwt_extended import current_user
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from api.errors import ApiError
from api.policy import not_found, request_id, within_scope
from store import audit
from store.campuses import name_key
from store.jobs import utcnow
from store.mongo import get_db
from store.users import find_page


def find_visible(collection: str, kind: str, record_id: str, what: str, base: dict | None = None) -> dict:
    """The record if the caller may see it; 404 whether it is missing or outside their scope."""
    if not ObjectId.is_valid(record_id):
        raise not_found(what)
    query = within_scope(current_user, kind, {"_id": ObjectId(record_id), **(base or {})})
    doc = get_db()[collection].find_one(query)
    if doc is None:
        raise not_found(what)
    return doc


def reference_in_scope(collection: str, kind: str, record_id: str, field: str, what: str,
                       base: dict | None = None) -> dict:
    """A record named in a request body; missing and out-of-scope look alike (422 on the field)."""
    try:
        return find_visible(collection, kind, record_id, what, base)
    except ApiError:
        raise invalid({field: [f"No such {what}."]}) from None


def invalid(details: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "validation_error", "The request is not valid; see details.", details)


def page_response(collection: str, kind: str, filters: dict, args: dict, base: dict | None = None) -> dict:
    query = within_scope(current_user, kind, {**(base or {}), **filters})
    items, total = find_page(get_db()[collection], query, args["sort"], args["page"], args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


def common_filters(args: dict, exact: tuple[str, ...] = ("active",)) -> dict[str, Any]:
    filters = {field: args[field] for field in exact if field in args}
    if args.get("q"):
        filters["name_key"] = {"$regex": re.escape(name_key(args["q"]))}
    return filters


def refuse_if_dependents(what: str, counts: dict[str, int]) -> None:
    """409 naming what still depends on the record; deleting never cascades."""
    blocking = {kind: n for kind, n in counts.items() if n}
    if blocking:
        listed = ", ".join(f"{n} {kind}" for kind, n in blocking.items())
        raise ApiError(409, "has_dependents",
                       f"This {what} still has {listed}; move or delete them first, "
                       f"or deactivate it instead (PATCH active=false).", {"dependents": blocking})


def duplicate_conflict(exc: DuplicateKeyError, messages: dict[str, str]) -> ApiError:
    """DuplicateKeyError -> 409 naming the field whose unique index refused the write.
    `messages` maps a stored field name (as it appears in the index) to (api field, message)."""
    text = str(exc.details or exc)
    for stored_field, message in messages.items():
        if stored_field in text:
            api_field = stored_field.removesuffix("_key")
            return ApiError(409, "duplicate", message, {api_field: [message]})
    return ApiError(409, "duplicate", "A record with these values exists already.")


def update_record(collection: str, doc: dict, changes: dict[str, Any]) -> dict:
    fields = dict(changes)
    if "name" in fields:
        fields["name_key"] = name_key(fields["name"])
    return get_db()[collection].find_one_and_update(
        {"_id": doc["_id"]}, {"$set": {**fields, "updated_at": utcnow()}},
        return_document=ReturnDocument.AFTER)


def audit_write(action: str, target_type: str, target_id: Any, before: dict | None, after: dict | None) -> None:
    audit.record(get_db(), actor=current_user, action=action, target_type=target_type,
                 target_id=str(target_id), before=before, after=after, request_id=request_id())
