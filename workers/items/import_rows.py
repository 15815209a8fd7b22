"""Check each row of an item file with the item bank's schemas; collect row errors with row and column.

A row's `type` decides which content columns are read (the fields of that type's content schema,
schemas/items.py CONTENT_SCHEMAS); other columns are ignored for that row. A cell becomes a value
by the field it fills: text as written, a list of texts split on `|`, `points` as a JSON array,
whole numbers as written. Empty cells are left out, as if the field were not given. The item
fields go through the API's schema (schemas/item_imports.ItemRowSchema), the content through
`load_content`, so a row is refused exactly when the API would refuse the same item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields

from domain.assessment import ITEM_TYPES
from schemas.item_imports import ROW_ITEM_FIELDS, ItemRowSchema
from schemas.items import CONTENT_SCHEMAS, load_content
from workers.roster.parsed import UnusableCell

if TYPE_CHECKING:
    from workers.items.import_reading import ItemTable
    from workers.roster.parsed import SourceRow

LIST_SEPARATOR = "|"
TEXT, TEXT_LIST, JSON, WHOLE_NUMBER = "text", "list", "json", "whole number"


@dataclass(frozen=True)
class ContentColumn:
    name: str  # the content field, and the column's canonical name
    kind: str  # TEXT, TEXT_LIST, JSON or WHOLE_NUMBER
    required: bool


@cache
def content_columns(item_type: str) -> tuple[ContentColumn, ...]:
    """The columns a row of this type reads, from its content schema (in the schema's order)."""
    return tuple(
        ContentColumn(name, _kind_of(schema_field), schema_field.required)
        for name, schema_field in CONTENT_SCHEMAS[item_type]().fields.items()
    )


def _kind_of(schema_field: fields.Field) -> str:
    if isinstance(schema_field, fields.List):
        return JSON if isinstance(schema_field.inner, fields.Nested) else TEXT_LIST
    if isinstance(schema_field, fields.Integer):
        return WHOLE_NUMBER
    return TEXT


def all_content_columns() -> tuple[str, ...]:
    """Every content column any item type reads, each once."""
    return tuple(dict.fromkeys(column.name for item_type in ITEM_TYPES for column in content_columns(item_type)))


@dataclass(frozen=True)
class ItemRow:
    row: int  # the file's row number
    fields: dict[str, Any]  # type, level, module, time_limit_seconds and the loaded content


@dataclass
class RowReport:
    rows: int = 0
    valid: list[ItemRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    failed: int = 0


def validate_rows(table: ItemTable) -> RowReport:
    """Every data row checked: the valid ones as item fields, the others as row errors in row order."""
    report = RowReport(rows=len(table.rows))
    for source in table.rows:
        errors: list[dict[str, Any]] = []
        item = _RowChecker(table, source, errors).check()
        if errors:
            report.failed += 1
            report.errors.extend(errors)
        elif item is not None:
            report.valid.append(item)
    return report


class _RowChecker:
    def __init__(self, table: ItemTable, source: SourceRow, errors: list[dict[str, Any]]) -> None:
        self.table = table
        self.source = source
        self.errors = errors
        self.reported: set[str] = set()  # fields whose problem is reported (the schemas would add "missing")

    def check(self) -> ItemRow | None:
        if self._is_ragged():
            return None
        values = {name: text for name in ROW_ITEM_FIELDS if (text := self._cell_text(name))}
        item_fields = self._item_fields(values)
        item_type = values.get("type", "")
        if item_type not in CONTENT_SCHEMAS:
            return None  # the type's error is reported with the item fields
        content = self._content(item_type)
        if item_fields is None or content is None or self.errors:
            return None
        return ItemRow(self.source.number, {**item_fields, "content": content})

    def _is_ragged(self) -> bool:
        """Values past the last labelled column: usually a shifted row (a comma in unquoted CSV text)."""
        width = len(self.table.header)
        used = max((index + 1 for index, cell in enumerate(self.source.cells) if _shown(cell)), default=0)
        if used > width:
            self._error(None, "", f"The row has {used} cells but the header has {width} columns.")
        return used > width

    def _item_fields(self, values: dict[str, str]) -> dict[str, Any] | None:
        try:
            loaded: dict[str, Any] = ItemRowSchema().load(values)
        except ValidationError as error:
            self._schema_errors(error, values)
            return None
        return loaded

    def _content(self, item_type: str) -> dict[str, Any] | None:
        values: dict[str, Any] = {}
        shown: dict[str, str] = {}
        for column in content_columns(item_type):
            if column.name not in self.table.columns:
                if column.required:
                    self._error(column.name, "", f"The file has no {column.name} column; {item_type} items need one.")
                    self.reported.add(column.name)
                continue
            text = self._cell_text(column.name)
            if text:
                shown[column.name] = text
                value = self._value(column, text)
                if value is None:
                    self.reported.add(column.name)
                else:
                    values[column.name] = value
        try:
            return load_content(item_type, values)
        except ValidationError as error:
            self._schema_errors(error, shown)
            return None

    def _schema_errors(self, error: ValidationError, shown: dict[str, str]) -> None:
        for name, messages in _by_field(error.messages).items():
            if name not in self.reported:
                self._error(self.table.label(name) if name else None, shown.get(name or "", ""), _text(messages))

    def _value(self, column: ContentColumn, text: str) -> Any:
        if column.kind == TEXT_LIST:
            return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        if column.kind == JSON:
            try:
                return json.loads(text)
            except ValueError as error:
                self._error(self.table.label(column.name), text, f"Not valid JSON: {error}.")
                return None
        return text

    def _cell_text(self, name: str) -> str:
        """The text of the row's cell in column `name` ("" when absent or empty); an unusable cell is reported."""
        index = self.table.columns.get(name)
        if index is None or index >= len(self.source.cells):
            return ""
        cell = self.source.cells[index]
        if isinstance(cell, UnusableCell):
            self._error(self.table.label(name), cell.shown, cell.problem)
            self.reported.add(name)
            return ""
        return cell

    def _error(self, column: str | None, value: str, message: str) -> None:
        self.errors.append({"row": self.source.number, "column": column, "value": value, "message": message})


def _shown(cell: str | UnusableCell) -> str:
    return cell.shown if isinstance(cell, UnusableCell) else cell


def _by_field(messages: Any) -> dict[str | None, Any]:
    """The messages by field name; errors of the whole object under None."""
    if not isinstance(messages, dict):
        return {None: messages}
    return {(None if name == "_schema" else str(name)): value for name, value in messages.items()}


def _text(messages: Any) -> str:
    """Nested messages as one sentence: list entries and nested fields named."""
    if isinstance(messages, dict):
        return " ".join(f"{_where(key)}: {_text(value)}" for key, value in messages.items())
    if isinstance(messages, (list, tuple)):
        return " ".join(_text(message) for message in messages)
    return str(messages)


def _where(key: Any) -> str:
    if isinstance(key, int):
        return f"entry {key + 1}"
    return "the entry" if key == "_schema" else str(key)
