"""Validate a staged upload and move it to its permanent key in S3."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.filetypes import SNIFF_BYTES, sniff
from store import files
from workers.errors import WorkError


def final_key(owner_id: str, job_id: str, filename: str, when: datetime | None = None) -> str:
    when = when or datetime.now(UTC)
    return f"uploads/{owner_id}/{when:%Y/%m}/{job_id}/{files.safe_filename(filename)}"


def store_upload(
    job_id: str,
    owner_id: str,
    filename: str,
    max_bytes: int,
    allowed_types: frozenset[str],
    created_at: datetime | None = None,
) -> dict:
    """Check size and type of staging/<job_id>, copy it to its final key, drop the staging copy.

    Idempotent: a second run after a crash finds the final object and returns the same result.
    """
    key = final_key(owner_id, job_id, filename, created_at)
    staged = files.staging_key(job_id)
    head = files.head(staged)
    if head is None:
        done = files.head(key)
        if done is None:
            raise WorkError("upload_missing", "The uploaded bytes are no longer available; upload again.")
        return _result(key, done["ContentLength"], done["ContentType"])
    size = head["ContentLength"]
    if size == 0:
        files.delete(staged)
        raise WorkError("empty_file", "The file is empty.")
    if size > max_bytes:
        files.delete(staged)
        raise WorkError("file_too_large", f"The file is {size} bytes; the limit is {max_bytes}.")
    content_type = sniff(files.read_range(staged, 0, SNIFF_BYTES), filename)
    if content_type not in allowed_types:
        files.delete(staged)
        raise WorkError(
            "unsupported_file_type", f"Files of type {content_type} are not accepted.", {"content_type": content_type}
        )
    files.copy(staged, key, content_type)
    files.delete(staged)
    return _result(key, size, content_type)


def _result(key: str, size: int, content_type: str) -> dict:
    return {"key": key, "size": size, "content_type": content_type}
