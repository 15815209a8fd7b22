"""What the health checks answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok"]))


class ComponentStateSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(["up", "down"]))
    reason = fields.String(metadata={"description": "The kind of failure, when down"})


class HealthComponentsSchema(HealthSchema):
    components = fields.Dict(keys=fields.String(), values=fields.Nested(ComponentStateSchema), required=True)
