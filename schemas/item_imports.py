"""Item imports: the upload form, the import record, its row errors, and a row's item fields.

A row of an item file is checked with the item bank's own schemas (schemas/items.py): its item
fields with ItemRowSchema (the API's ItemCreateSchema without campus and content, which the
import decides and checks apart), its content with `load_content`. The file and the API accept
and refuse the same values.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from domain.ids import ID_PATTERN
from schemas.fields import IdField
from schemas.imports import ImportOptionsSchema, ImportRecordSchema
from schemas.items import ItemCreateSchema

ROW_ITEM_FIELDS = ("type", "level", "module", "time_limit_seconds")
SHARED_BANK = ""  # campus_id sent empty


class ItemRowSchema(ItemCreateSchema):
    """The item fields of one row: type, level, module, time_limit_seconds, as the API checks them."""

    class Meta:
        ordered = True
        exclude = ("campus_id", "content")


class ItemImportFileSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "minLength": 1,
            "description": "The items, .csv or .xlsx, one row per item (docs/item-imports.md)",
        },
    )


class CampusOrSharedField(IdField):
    """A campus id, or "" (a form's way to say none): the shared bank, asked for explicitly."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata = {**self.metadata, "pattern": f"^$|{ID_PATTERN}"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if value == SHARED_BANK:
            return SHARED_BANK
        return super()._deserialize(value, attr, data, **kwargs)


class ItemImportOptionsSchema(ImportOptionsSchema):
    campus_id = CampusOrSharedField(
        load_default=None,
        allow_none=False,  # a form field has no null: leave it out
        metadata={
            "description": "The campus the items go to. Omitted: the shared bank for superadmins, a campus "
            "admin's own campus (as for one item). Empty: the shared bank, explicitly (superadmins only)."
        },
    )


class ItemImportFormSchema(ItemImportOptionsSchema):
    """The multipart body: the file and the options."""

    file = ItemImportFileSchema._declared_fields["file"]  # noqa: SLF001 - the one declaration of the file part


class ItemImportCountsSchema(Schema):
    rows = fields.Integer(metadata={"description": "Data rows in the file."})
    created = fields.Integer(metadata={"description": "Items created (in a dry run: that would be created)."})
    failed = fields.Integer(metadata={"description": "Rows with at least one error."})
    errors = fields.Integer(metadata={"description": "Row errors listed at errors_url."})


class ItemImportSchema(ImportRecordSchema):
    campus_id = fields.String(allow_none=True, metadata={"description": "None: the shared bank"})
    counts = fields.Nested(ItemImportCountsSchema, allow_none=True)
