"""Configurable ceilings for an uploaded roster file."""

from __future__ import annotations

from dataclasses import dataclass

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class RosterLimits:
    max_file_bytes: int = 20 * MEGABYTE
    max_rows: int = 50_000
    # A plain .xlsx has 10-30 members; thousands mean something is wrong.
    max_zip_members: int = 1_000
    # Sum of the declared uncompressed sizes of all members (zipfile enforces the declared size on read).
    max_uncompressed_bytes: int = 100 * MEGABYTE
    # Applied per member, only to members larger than ratio_check_min_bytes: small XML parts compress very well.
    max_compression_ratio: float = 100.0
    ratio_check_min_bytes: int = 1 * MEGABYTE


DEFAULT_LIMITS = RosterLimits()
