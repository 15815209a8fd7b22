"""Shapes shared by every endpoint: errors, pagination, timestamps, ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from domain.paging import MAX_PAGE, MAX_PER_PAGE


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a `Z`, millisecond precision."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:  # noqa: ARG002
        if not isinstance(value, datetime):
            return None
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ObjectIdStr(fields.String):
    """A MongoDB ObjectId going out as a string."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:  # noqa: ARG002
        return None if value is None else str(value)


class StrictSchema(Schema):
    """Input schemas reject unknown fields (marshmallow's default RAISE), stated for readers."""

    class Meta:
        ordered = True


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    details = fields.Dict(load_default=dict)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def list_envelope(item_schema: type[Schema], name: str) -> type[Schema]:
    """The list shape: {"items": [...], "total": N, "page": P, "per_page": K}."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )
