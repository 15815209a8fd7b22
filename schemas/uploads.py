from __future__ import annotations

from marshmallow import Schema, fields


class UploadFormSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "minLength": 1})
