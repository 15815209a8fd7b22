"""Notifications as admins see them (params masked: no tokens or links) and their list filters."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.masking import mask_email, mask_mobile, mask_params
from domain.notifications import CHANNELS, KINDS, SEALED, STATES
from schemas.common import ObjectIdStr, PageArgsSchema, UtcDateTime, list_envelope


def _masked_address(doc: dict) -> str:
    recipient = doc.get("recipient") or {}
    if doc.get("channel") == "email":
        return mask_email(recipient.get("email"))
    return mask_mobile(recipient.get("mobile"))


class NotificationErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    status = fields.Integer(allow_none=True)
    retryable = fields.Boolean()


class NotificationSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    kind = fields.String(metadata={"enum": list(KINDS)})
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    state = fields.String(metadata={"enum": list(STATES)})
    user_id = fields.Function(lambda doc: doc["recipient"].get("user_id"))
    to = fields.Function(_masked_address, metadata={"description": "Masked address"})
    subject_entity = fields.String()
    template = fields.String()
    template_version = fields.String(allow_none=True)
    params = fields.Function(
        lambda doc: mask_params({k: v for k, v in (doc.get("params") or {}).items() if k != SEALED}),
        metadata={"description": "Template params; tokens and links are sealed and never shown"},
    )
    essential = fields.Boolean()
    attempts = fields.Integer()
    provider = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    last_error = fields.Nested(NotificationErrorSchema, allow_none=True)
    needs_review = fields.Boolean()
    suppressed_reason = fields.String(allow_none=True)
    campus_id = fields.Function(lambda doc: (doc.get("scope") or {}).get("campus_id"))
    next_attempt_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)


NotificationListSchema = list_envelope(NotificationSchema, "NotificationList")


class NotificationListArgsSchema(PageArgsSchema):
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    state = fields.String(validate=validate.OneOf(STATES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    user_id = fields.String(validate=validate.Length(min=1, max=64))
    needs_review = fields.Boolean()
