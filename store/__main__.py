"""`python -m store migrate` applies indexes and migrations; `ensure-bucket` creates the S3 bucket;
`create-admin` creates (or leaves alone) the development superadmin named in the environment.
"""

from __future__ import annotations

import argparse
import sys

from config import ConfigError, get_settings
from observability.logs import setup_logging
from security.passwords import hash_password
from store import files, migrations, users
from store.mongo import get_db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store")
    parser.add_argument("command", choices=["migrate", "ensure-bucket", "create-admin"])
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
    elif args.command == "ensure-bucket":
        files.ensure_bucket()
        print(f"bucket ready: {settings.s3_bucket}")
    else:
        if not (settings.dev_admin_email and settings.dev_admin_password):
            print("DEV_ADMIN_EMAIL and DEV_ADMIN_PASSWORD must be set", file=sys.stderr)
            return 2
        created = users.ensure_superadmin(
            get_db(), settings.dev_admin_email, hash_password(settings.dev_admin_password)
        )
        print("development superadmin " + ("created" if created else "already exists"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
