"""Item import jobs on the `imports` queue; the engine is jobs/items/importer.py.

The engine hands back the items whose prompt audio is pending; this task submits one
`prompt_audio` job for each, as the items API does for one item, keyed by import, item and audio
revision so that a redelivered import asks again without making a second job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from config import get_settings
from jobs.items.importer import options_from, run_item_import
from store import jobs
from tasks.audit import audited_import
from tasks.publish import submit
from tasks.runtime import JobContext, job_task

if TYPE_CHECKING:
    from jobs.items.importer import AudioRequest


@job_task("item_import", soft_time_limit=1800, time_limit=1860)
def import_items(ctx: JobContext) -> dict[str, Any]:
    import_id = str(ctx.params["import_id"])
    owner_id = str(ctx.job["owner_id"])

    def request_audio(requests: list[AudioRequest]) -> None:
        for request in requests:
            submit(
                ctx.db,
                jobs.NewJob(
                    kind="prompt_audio",
                    owner_id=owner_id,
                    params={"item_id": request.item_id, "rev": request.rev, "staged_key": None},
                    scope={"campus_id": request.campus_id} if request.campus_id else None,
                    total=1,
                    dedup_key=prompt_audio_key(import_id, request),
                ),
            )

    options = options_from(get_settings())
    return audited_import(
        ctx, "item_import", lambda: run_item_import(ctx.db, import_id, options, ctx.progress, request_audio)
    )


def prompt_audio_key(import_id: str, request: AudioRequest) -> str:
    return f"item_import:{import_id}:prompt_audio:{request.item_id}:{request.rev}"
