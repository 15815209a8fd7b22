"""What every file import's resource answers the same way (roster imports in api/org, item imports
in api/assessment): the record with its job's state, and its row errors as a page or as CSV.
Each kind keeps only its own routes, options and who may see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response

from domain.csvsafe import row_errors_to_csv
from store import jobs
from store.mongo import get_db

if TYPE_CHECKING:
    from collections.abc import Iterable


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
