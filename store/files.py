"""S3 access: one boto3 client per process, the bucket, keys and presigned URLs.

Key layout (documented in the README):
  staging/<job_id>                          bytes the API received, until a worker takes them
  uploads/<owner_id>/<yyyy>/<mm>/<job_id>/<filename>   validated uploads

Backups go to a bucket of their own (BACKUP_BUCKET, store/backup.py), named by `bucket_name=` on
the calls that write, read and list them; presigned URLs are only ever for S3_BUCKET.
"""

from __future__ import annotations

import os
import re
import threading
from typing import IO, TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from config import get_settings
from observability.slow import time_s3_calls

if TYPE_CHECKING:
    from collections.abc import Iterator

    from botocore.client import BaseClient

_lock = threading.Lock()
_clients: dict[int, BaseClient] = {}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def client() -> BaseClient:
    pid = os.getpid()
    with _lock:
        if pid not in _clients:
            s = get_settings()
            _clients[pid] = boto3.client(
                "s3",
                endpoint_url=s.s3_endpoint_url or None,
                region_name=s.s3_region,
                aws_access_key_id=s.aws_access_key_id or None,
                aws_secret_access_key=s.aws_secret_access_key or None,
                config=Config(
                    signature_version="s3v4",
                    retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"},
                    connect_timeout=5,
                    read_timeout=30,
                ),
            )
            time_s3_calls(_clients[pid], s.slow_s3_ms)
        return _clients[pid]


def bucket() -> str:
    return get_settings().s3_bucket


def backup_bucket() -> str:
    return get_settings().backup_bucket


def ensure_bucket(bucket_name: str | None = None) -> None:
    s3 = client()
    name = bucket_name or bucket()
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        s3.create_bucket(Bucket=name)


def safe_filename(name: str | None) -> str:
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "file"
    return cleaned[:120]


def staging_key(job_id: str) -> str:
    return f"staging/{job_id}"


# Bodies up to this size go up in one PUT; larger ones through boto3's multipart transfer.
SINGLE_PUT_BYTES = 16 * 1024 * 1024


def put_stream(
    key: str, stream: IO[bytes], content_type: str = "application/octet-stream", *, bucket_name: str | None = None
) -> None:
    """Store a seekable stream (an upload the API received). One PUT for the usual answer or
    roster file: boto3's managed transfer starts a thread pool per call, which costs more than
    the upload itself at these sizes.
    """
    name = bucket_name or bucket()
    start = stream.tell()
    size = stream.seek(0, 2) - start
    stream.seek(start)
    if size <= SINGLE_PUT_BYTES:
        client().put_object(Bucket=name, Key=key, Body=stream.read(), ContentType=content_type, **encryption())
    else:
        client().upload_fileobj(stream, name, key, ExtraArgs={"ContentType": content_type, **encryption()})


def put_bytes(
    key: str, data: bytes, content_type: str = "application/octet-stream", *, bucket_name: str | None = None
) -> None:
    client().put_object(Bucket=bucket_name or bucket(), Key=key, Body=data, ContentType=content_type, **encryption())


def encryption() -> dict[str, str]:
    """The server-side encryption arguments of every write (S3_SERVER_SIDE_ENCRYPTION)."""
    settings = get_settings()
    if settings.s3_server_side_encryption == "none":
        return {}
    args = {"ServerSideEncryption": settings.s3_server_side_encryption}
    if settings.s3_kms_key_id:
        args["SSEKMSKeyId"] = settings.s3_kms_key_id
    return args


def head(key: str, *, bucket_name: str | None = None) -> dict | None:
    try:
        metadata: dict = client().head_object(Bucket=bucket_name or bucket(), Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return metadata


def read_range(key: str, start: int, length: int) -> bytes:
    obj = client().get_object(Bucket=bucket(), Key=key, Range=f"bytes={start}-{start + length - 1}")
    data: bytes = obj["Body"].read()
    return data


def read_all(key: str) -> bytes:
    data: bytes = client().get_object(Bucket=bucket(), Key=key)["Body"].read()
    return data


def iter_chunks(key: str, chunk_size: int = 1024 * 1024, *, bucket_name: str | None = None) -> Iterator[bytes]:
    body = client().get_object(Bucket=bucket_name or bucket(), Key=key)["Body"]
    yield from body.iter_chunks(chunk_size)


def copy(src_key: str, dst_key: str, content_type: str) -> None:
    client().copy_object(
        Bucket=bucket(),
        Key=dst_key,
        CopySource={"Bucket": bucket(), "Key": src_key},
        ContentType=content_type,
        MetadataDirective="REPLACE",
        **encryption(),
    )


def list_keys(prefix: str, *, bucket_name: str | None = None) -> list[str]:
    """Every key under `prefix`."""
    keys: list[str] = []
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket_name or bucket(), Prefix=prefix)
    for page in pages:
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def delete(key: str) -> None:
    client().delete_object(Bucket=bucket(), Key=key)


def presigned_get(key: str, filename: str | None = None) -> str:
    """A download link to an object of S3_BUCKET (never of the backup bucket: no `bucket_name`)."""
    params = {"Bucket": bucket(), "Key": key}
    if filename:
        params["ResponseContentDisposition"] = f'attachment; filename="{safe_filename(filename)}"'
    url: str = client().generate_presigned_url("get_object", Params=params, ExpiresIn=get_settings().s3_presign_seconds)
    return url


def ping() -> None:
    client().head_bucket(Bucket=bucket())
