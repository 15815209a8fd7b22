"""Sealed data: secrets that must be kept for a while but be useless when read (the link of a
queued invitation). Fernet (AES-128-CBC + HMAC-SHA256) with a list of keys: the first seals,
every one opens, so a key can be rotated without losing what is queued.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_KEY_BYTES = 32


class SealError(Exception):
    """Sealed data that no current key opens (a removed key, or tampering)."""


class Sealer:
    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise ValueError("a Sealer needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, data: Mapping[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(dict(data), sort_keys=True).encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> dict[str, Any]:
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(sealed.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise SealError("sealed data cannot be opened with the current keys") from exc
        return opened


def derived_key(secret: str, purpose: str) -> bytes:
    """A Fernet key for `purpose` derived from a longer secret (HKDF-SHA256): used when no
    dedicated key is configured, so one secret never serves two purposes directly.
    """
    hkdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=purpose.encode("utf-8"))
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8")))


def is_valid_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == _KEY_BYTES
    except (ValueError, UnicodeEncodeError):
        return False


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
