"""Mask addresses, phone numbers and tokens before they reach a log line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def mask_email(address: str | None) -> str:
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.partition("@")
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


_MOBILE_DIGITS_SHOWN = 3  # the last digits of a number, shown only when more digits stay hidden


def mask_mobile(number: str | None) -> str:
    digits = "".join(ch for ch in (number or "") if ch.isdigit())
    return f"***{digits[-_MOBILE_DIGITS_SHOWN:]}" if len(digits) > _MOBILE_DIGITS_SHOWN else "***"


def mask_login(login: str | None) -> str:
    """A login as typed (email or roll number), enough to recognise, not to reuse."""
    if login and "@" in login:
        return mask_email(login)
    return f"{(login or '')[:2]}***"


def mask_recipient(channel: str, address: str | None) -> str:
    return mask_email(address) if channel == "email" else mask_mobile(address)


_SECRET_KEY_PARTS = ("token", "password", "secret", "code", "otp", "key")
_TOKEN_LIKE = re.compile(r"^[A-Za-z0-9_\-.~+/=]{20,}$")
_URL = re.compile(r"^(https?://[^/\s?#]+)", re.IGNORECASE)


def mask_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Template params safe to show an admin: secrets and token-like strings become "***",
    links keep only their scheme and host (the path or query may carry a token).
    """
    return {key: _mask_value(key, value) for key, value in (params or {}).items()}


def _mask_value(key: str, value: Any) -> Any:
    if any(part in key.lower() for part in _SECRET_KEY_PARTS):
        return "***"
    if isinstance(value, Mapping):
        return mask_params(value)
    if not isinstance(value, str):
        return value
    link = _URL.match(value)
    if link:
        return f"{link.group(1)}/***"
    return "***" if _TOKEN_LIKE.match(value) and any(ch.isdigit() for ch in value) else value
