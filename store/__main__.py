"""`python -m store migrate` applies indexes and migrations; `ensure-bucket` creates the S3 bucket and
`ensure-backup-bucket` the backup bucket (development and compose only: in production that bucket is
made with its own policy, out of reach of the credentials the migrate job shares with the API);
`create-admin` creates (or leaves alone) the development superadmin named in the environment;
`backup` exports every collection to S3 and `restore KEY|latest` loads one into an empty
database (store/backup.py).
"""

from __future__ import annotations

import argparse
import sys

from config import ConfigError, get_settings
from observability.logs import setup_logging
from security.passwords import hash_password
from store import backup, files, migrations, users
from store.mongo import get_db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store")
    parser.add_argument(
        "command", choices=["migrate", "ensure-bucket", "ensure-backup-bucket", "create-admin", "backup", "restore"]
    )
    parser.add_argument("key", nargs="?", help="restore: the backup's S3 key, or `latest`")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    if args.command == "migrate":
        applied = migrations.apply_all(get_db())
        print(f"migrations applied: {applied or 'none (up to date)'}")
    elif args.command in {"backup", "restore"}:
        return _backup_or_restore(args.command, args.key)
    elif args.command == "ensure-bucket":
        files.ensure_bucket()
        print(f"bucket ready: {settings.s3_bucket}")
    elif args.command == "ensure-backup-bucket":
        files.ensure_bucket(settings.backup_bucket)
        print(f"backup bucket ready: {settings.backup_bucket}")
    else:
        if not (settings.dev_admin_email and settings.dev_admin_password):
            print("DEV_ADMIN_EMAIL and DEV_ADMIN_PASSWORD must be set", file=sys.stderr)
            return 2
        created = users.ensure_superadmin(
            get_db(), settings.dev_admin_email, hash_password(settings.dev_admin_password)
        )
        print("development superadmin " + ("created" if created else "already exists"))
    return 0


def _backup_or_restore(command: str, key: str | None) -> int:
    if command == "backup":
        written = backup.backup(get_db())
        print(f"backup written: {written.key} ({sum(written.counts.values())} documents, snapshot: {written.snapshot})")
        return 0
    key = backup.latest_key() if key in (None, "latest") else key
    if key is None:
        print(f"no backup found under backups/ in {get_settings().backup_bucket}", file=sys.stderr)
        return 2
    try:
        restored = backup.restore(get_db(), key)
    except backup.RestoreRefusedError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    print(f"restored {key}: {sum(restored.values())} documents in {len(restored)} collections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
