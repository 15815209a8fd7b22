"""What the OpenAPI spec says beyond what flask-smorest derives from the marshmallow schemas.

A rule across fields (exactly one of two, at least one of two, either this or that group) is
checked in a `@validates_schema` method that apispec cannot read; the schema states the same
rule for the spec in `OPENAPI_RULES` (oneOf / anyOf / not), and this plugin puts it into the
schema's component, so clients and the contract fuzzing know it.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin


class SchemaRulesPlugin(BasePlugin):
    def schema_helper(self, name: str, definition: dict, **kwargs: Any) -> dict | None:  # noqa: ARG002 - apispec's signature
        schema = kwargs.get("schema")
        schema_class = schema if isinstance(schema, type) else type(schema)
        rules: dict[str, Any] | None = getattr(schema_class, "OPENAPI_RULES", None)
        return dict(rules) if rules else None
