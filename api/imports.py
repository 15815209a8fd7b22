"""What every file import's resource answers the same way (roster imports in api/org, item imports
in api/assessment): the record with its job's state, and its row errors as a page or as CSV.
Each kind keeps only its create route, its options and who may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Response

from api.access import rule
from domain.csvsafe import row_errors_to_csv
from schemas.common import ErrorSchema, PageArgsSchema
from schemas.imports import RowErrorListSchema
from store import jobs
from store.mongo import get_db

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from marshmallow import Schema

    from api.blueprint import Blueprint
    from store.import_records import ImportRecords

CSV_DESCRIPTION = "text/csv (UTF-8 with BOM); cells that could run as formulas are neutralised"


def with_job_state(records: list[dict], path: str) -> list[dict]:
    """Each import record with its job's state and error, and `errors_url` under `path`
    (e.g. /api/v1/roster-imports).
    """
    states = jobs.states_of(get_db(), [record["job_id"] for record in records])
    return [
        {
            **record,
            "state": (states.get(record["job_id"]) or {}).get("state"),
            "error": (states.get(record["job_id"]) or {}).get("error"),
            "errors_url": f"{path}/{record['_id']}/errors",
        }
        for record in records
    ]


def row_errors_csv(rows: Iterable[dict[str, Any]], filename: str) -> Response:
    """Row errors as a CSV download (UTF-8 with BOM, formula-like cells neutralised)."""
    return Response(
        row_errors_to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@dataclass(frozen=True)
class ImportKind:
    """What differs between kinds of file import on the read side."""

    name: str  # e.g. "roster import": in summaries and 404 messages
    path: str  # e.g. /roster-imports, under the blueprint's url_prefix /api/v1
    module: str  # the permission module that reads them
    schema: type[Schema]  # the import record as shown
    outcome: ImportRecords  # the store's counts and row errors of this kind
    visible: Callable[[str], dict]  # the record if the caller may see it; raises 404 otherwise


def add_record_routes(blp: Blueprint, kind: ImportKind) -> None:
    """GET <path>/<id> (the record with its job's state), <path>/<id>/errors (a page of row errors
    in row order) and <path>/<id>/errors.csv (all of them as CSV), one way for every kind.
    """
    slug = kind.name.replace(" ", "_")
    url = f"{blp.url_prefix}{kind.path}"

    def get_record(import_id: str) -> dict:
        return with_job_state([kind.visible(import_id)], url)[0]

    def list_errors(args: dict, import_id: str) -> dict:
        record = kind.visible(import_id)
        return kind.outcome.error_page(get_db(), record["_id"], args["page"], args["per_page"]).as_dict()

    def errors_csv(import_id: str) -> Response:
        record = kind.visible(import_id)
        name = f"{kind.name.replace(' ', '-')}-{record['_id']}-errors.csv"
        return row_errors_csv(kind.outcome.iter_errors(get_db(), record["_id"]), name)

    get_record.__doc__ = f"A {kind.name}: its job's state, options, file and, once finished, its counts."
    list_errors.__doc__ = "Row errors in row order: row, column (as labelled in the file), value, message."
    errors_csv.__doc__ = f"A {kind.name}'s row errors as CSV."
    blp.route(f"{kind.path}/<id:import_id>", methods=["GET"], endpoint=f"get_{slug}")(
        rule(kind.module, "read")(blp.response(200, kind.schema)(blp.alt_response(404, schema=ErrorSchema)(get_record)))
    )
    blp.route(f"{kind.path}/<id:import_id>/errors", methods=["GET"], endpoint=f"list_{slug}_errors")(
        rule(kind.module, "read")(
            blp.arguments(PageArgsSchema, location="query")(
                blp.response(200, RowErrorListSchema)(blp.alt_response(404, schema=ErrorSchema)(list_errors))
            )
        )
    )
    blp.route(f"{kind.path}/<id:import_id>/errors.csv", methods=["GET"], endpoint=f"{slug}_errors_csv")(
        rule(kind.module, "read")(
            blp.response(200, description=CSV_DESCRIPTION)(blp.alt_response(404, schema=ErrorSchema)(errors_csv))
        )
    )
