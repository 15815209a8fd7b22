"""Roster imports: the upload form, the import record and its row errors."""

from __future__ import annotations

from marshmallow import Schema, fields

from schemas.common import list_envelope
from schemas.imports import ImportOptionsSchema, ImportRecordSchema


class RosterImportFileSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "minLength": 1, "description": "The roster, .csv or .xlsx"},
    )


class RosterImportOptionsSchema(ImportOptionsSchema):
    send_invitations = fields.Boolean(load_default=True, metadata={"description": "Invite each newly created student."})


class RosterImportFormSchema(RosterImportOptionsSchema):
    """The multipart body: the file and the options."""

    file = RosterImportFileSchema._declared_fields["file"]  # noqa: SLF001 - the one declaration of the file part


class RosterImportCountsSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    skipped = fields.Integer(metadata={"description": "Existing students the file did not change."})
    failed = fields.Integer(metadata={"description": "Rows with at least one error."})
    errors = fields.Integer(metadata={"description": "Row errors listed at errors_url."})


class RosterImportSchema(ImportRecordSchema):
    batch_id = fields.String()
    send_invitations = fields.Boolean()
    counts = fields.Nested(RosterImportCountsSchema, allow_none=True)


RosterImportListSchema = list_envelope(RosterImportSchema, "RosterImportList")
