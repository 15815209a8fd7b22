"""Item bank jobs: prompt audio on the default queue; the engine is workers/items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobs.items.audio import store_prompt_audio
from tasks.runtime import JobContext, job_task

if TYPE_CHECKING:
    from typing import Any


@job_task("prompt_audio", soft_time_limit=120, time_limit=150)
def render_prompt_audio(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0, 1)
    params = ctx.params
    result = store_prompt_audio(ctx.db, params["item_id"], params["rev"], params.get("staged_key"))
    ctx.progress(1)
    return result
