"""Bodies of the account endpoints: invitations, password reset and change, and the audit trail."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from schemas.auth import SESSION
from schemas.common import ObjectIdStr, PageArgsSchema, StrictSchema, UtcDateTime, list_envelope

TOKEN = validate.Length(min=20, max=200)
PASSWORD = validate.Length(min=1, max=256)


class TokenPasswordSchema(StrictSchema):
    token = fields.String(required=True, validate=TOKEN)
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class InvitationAcceptSchema(TokenPasswordSchema):
    session = SESSION


class PasswordResetRequestSchema(StrictSchema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Email address or roll number"},
    )


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, load_only=True, validate=PASSWORD)
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD)


class AcceptedSchema(Schema):
    status = fields.String(metadata={"example": "accepted"})


class AuditEntrySchema(Schema):
    id = ObjectIdStr(attribute="_id")
    at = UtcDateTime()
    actor_id = fields.String(allow_none=True, metadata={"description": "None: an unknown caller or the system"})
    actor_role = fields.String(allow_none=True)
    action = fields.String(metadata={"example": "auth.login_failed"})
    target_type = fields.String()
    target_id = fields.String()
    before = fields.Dict()
    after = fields.Dict()
    details = fields.Dict(metadata={"description": "A reason, counts, what else matters"})
    source = fields.String(allow_none=True, metadata={"description": "The client address"})
    request_id = fields.String(allow_none=True)
    job_id = fields.String(allow_none=True)


class AuditFilterSchema(StrictSchema):
    actor_id = fields.String(validate=validate.Length(max=64))
    action = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": 'Exact action, or a prefix ending in "." (e.g. "auth.")'},
    )
    target_type = fields.String(validate=validate.Length(max=64))
    target_id = fields.String(validate=validate.Length(max=64))
    since = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "ISO 8601; UTC if no offset"})
    until = fields.AwareDateTime(default_timezone=UTC)


class AuditListArgsSchema(PageArgsSchema, AuditFilterSchema):
    pass


class AuditExportSchema(AuditFilterSchema):
    """The records to export (all of them when no filter is given), newest first, as CSV."""


AuditListSchema = list_envelope(AuditEntrySchema, "AuditList")
