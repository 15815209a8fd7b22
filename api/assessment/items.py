"""The item bank: shared items (superadmins) and each campus's own, with their prompt audio.

An item a test uses is never changed in place or removed: PATCH answers with a new version
(`replaces` names the old one, which is retired) and DELETE retires it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bson import ObjectId
from flask_jwt_extended import current_user
from marshmallow import ValidationError

from api.access import invalid, rule, user_id
from api.blueprint import Blueprint
from api.errors import ApiError
from api.http import UploadRule, require_multipart, stage_upload
from api.jobs import job_response
from api.org.campuses import CAMPUSES
from api.quotas import quota
from api.resource import ScopedResource
from config import get_settings
from domain.access import UNSCOPED_ROLES
from domain.assessment import needs_prompt_audio
from domain.filetypes import AUDIO_TYPES
from schemas.common import ErrorSchema
from schemas.items import (
    ItemAudioFormSchema,
    ItemCreateSchema,
    ItemListArgsSchema,
    ItemListSchema,
    ItemSchema,
    ItemUpdateSchema,
    load_content,
)
from schemas.jobs import JobSchema
from store import files, items, jobs
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("items", __name__, url_prefix="/api/v1/items", description="The item bank")
KIND = "items"
ITEMS = ScopedResource(KIND, "item", items.records)


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(ItemListArgsSchema, location="query")
@blp.response(200, ItemListSchema)
def list_items(args: dict) -> dict:
    """Items of the bank the caller may see, filtered and paged."""
    filters: dict[str, Any] = {name: args[name] for name in ("type", "level", "module", "campus_id") if name in args}
    filters["retired"] = args["retired"]
    if "shared" in args:
        filters["campus_id"] = None if args["shared"] else {"$ne": None}
    if args.get("q"):
        filters.update(items.text_filter(args["q"]))
    page = ITEMS.page(filters, args)
    return {**page, "items": [with_audio_url(item) for item in page["items"]]}


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(ItemCreateSchema)
@blp.response(201, ItemSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_item(body: dict) -> dict:
    """Add an item to the bank (items a student hears get prompt audio from a job)."""
    body["campus_id"] = _campus_for_new_item(body.get("campus_id"))
    body["content"] = load_content(body["type"], body["content"])
    audio = _pending_audio() if needs_prompt_audio(body["type"], body["content"]) else dict(items.NO_AUDIO)
    item = ITEMS.create(lambda db: items.create(db, body, created_by=user_id(), audio=audio))
    if audio["state"] == "pending":
        _render_audio(item, audio["rev"])
    return item


def _campus_for_new_item(campus_id: str | None) -> str | None:
    """Shared items are for the unscoped roles; a campus admin's items are their campus's."""
    if current_user["role"] not in UNSCOPED_ROLES:
        own: str | None = current_user.get("campus_id")
        if campus_id not in (None, own):
            raise invalid({"campus_id": ["You may add items to your own campus only."]})
        return own
    if campus_id is not None:
        CAMPUSES.reference(campus_id, "campus_id")
    return campus_id


@blp.route("/<id:item_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, ItemSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_item(item_id: str) -> dict:
    """One item, with its prompt audio's state and a link to it."""
    return with_audio_url(ITEMS.get(item_id))


@blp.route("/<id:item_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(ItemUpdateSchema)
@blp.response(200, ItemSchema, description="The item; a new version of it when a test uses it")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_item(body: dict, item_id: str) -> dict:
    """Change an item (one a test uses gets a new version instead)."""
    item = ITEMS.get_to_change(item_id)
    if item["retired"]:
        raise ApiError(
            409,
            "item_retired",
            "This version is retired; change its newest version instead.",
            {"superseded_by": item.get("superseded_by")},
        )
    if "content" in body:
        body["content"] = _checked_content(item["type"], body["content"])
    new_audio = "content" in body and needs_prompt_audio(item["type"], body["content"])
    if item["used"]:
        audio = _pending_audio() if new_audio else item["prompt_audio"]
        updated = ITEMS.update(
            item,
            body,
            lambda db, _oid, changes: items.new_version(db, item, changes, created_by=user_id(), audio=audio),
        )
    else:
        updated = ITEMS.update(item, body, items.update_in_place)
        if new_audio:
            updated = items.request_audio(get_db(), updated["_id"]) or updated
    if new_audio:
        _render_audio(updated, updated["prompt_audio"]["rev"])
    return with_audio_url(updated)


def _checked_content(item_type: str, content: dict[str, Any]) -> dict[str, Any]:
    try:
        return load_content(item_type, content)
    except ValidationError as error:
        raise invalid({"content": error.messages}) from None  # type: ignore[dict-item]


@blp.route("/<id:item_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
def delete_item(item_id: str) -> None:
    """Removes an item no test uses; retires one a test uses (it stays readable, `retired: true`)."""
    item = ITEMS.get_to_change(item_id)
    db = get_db()
    if item["used"] or not items.delete_unused(db, item["_id"]):
        items.retire(db, item["_id"])
        ITEMS.audit("retire", item, {**item, "retired": True})
    else:
        ITEMS.audit("delete", item, None)


@blp.route("/<id:item_id>/audio", methods=["PUT"])
@rule(KIND, "write")
@quota("uploads")
@require_multipart
@blp.arguments(ItemAudioFormSchema, location="multipart")
@blp.response(202, JobSchema, description="A prompt_audio job that normalises and stores the recording")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def replace_audio(form: dict, item_id: str) -> Response:
    """The admin's own recording of the prompt instead of the synthetic voice."""
    item = ITEMS.get_to_change(item_id)
    job_id = ObjectId()
    rule = UploadRule("audio", "recording", get_settings().upload_max_bytes, AUDIO_TYPES)
    staged = stage_upload(form["audio"], rule, files.staging_key(str(job_id))).key
    pending = items.request_audio(get_db(), item["_id"]) or item
    return job_response(_render_audio(pending, pending["prompt_audio"]["rev"], staged, job_id), 202)


def with_audio_url(item: dict) -> dict:
    """The item with a fresh short-lived link to its prompt audio, when it has one."""
    audio = item.get("prompt_audio") or {}
    if audio.get("state") == "ready" and audio.get("key"):
        item = {**item, "prompt_audio": {**audio, "url": files.presigned_get(audio["key"])}}
    return item


def _pending_audio() -> dict[str, Any]:
    return {"state": "pending", "rev": 1}


def _render_audio(item: dict, rev: int, staged_key: str | None = None, job_id: ObjectId | None = None) -> dict:
    params = {"item_id": str(item["_id"]), "rev": rev, "staged_key": staged_key}
    scope = {"campus_id": item["campus_id"]} if item.get("campus_id") else None
    return submit(
        get_db(),
        jobs.NewJob(kind="prompt_audio", owner_id=user_id(), params=params, scope=scope, total=1, job_id=job_id),
    )
