"""Upload jobs: the API staged the bytes in S3; the engine validates and files them."""

from __future__ import annotations

from config import get_settings
from jobs.uploads import store_upload
from tasks.runtime import JobContext, job_task


@job_task("upload")
def process_upload(ctx: JobContext) -> dict:
    settings = get_settings()
    ctx.progress(0, 1)
    result = store_upload(
        str(ctx.id),
        ctx.job["owner_id"],
        ctx.params["filename"],
        settings.upload_max_bytes,
        settings.allowed_upload_types,
        created_at=ctx.job["created_at"],
    )
    ctx.progress(1)
    return result
