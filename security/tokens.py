"""Single-use secrets sent to people (invitations, password resets): only their hash is stored."""

from __future__ import annotations

import hashlib
import secrets


def new_single_use_token() -> tuple[str, str]:
    """(raw token for the message, sha256 hex digest for the database)."""
    raw = secrets.token_urlsafe(32)
    return raw, token_digest(raw)


def token_digest(raw: str) -> str:
    # 256 bits of randomness need no slow hash: a fast digest is enough to make the stored value useless.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
