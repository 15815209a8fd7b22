"""Mask addresses, phone numbers and tokens before they reach a log line."""
from __future__ import annotations


def mask_email(address: str | None) -> str:
    if not address or "@" not in address:
        return "***"
    local, _, domain = address.partition("@")
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{host[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


def mask_mobile(number: str | None) -> str:
    digits = "".join(ch for ch in (number or "") if ch.isdigit())
    return f"***{digits[-3:]}" if len(digits) > 3 else "***"


def mask_recipient(channel: str, address: str | None) -> str:
    return mask_email(address) if channel == "email" else mask_mobile(address)
