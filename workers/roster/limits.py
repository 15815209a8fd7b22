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
    # A roster has 4-6 columns, an item file about 20: a sheet reaching further (column XFD is
    # 16,384) only makes every row huge. Merged ranges: a few per block of rows is normal.
    max_columns: int = 64
    max_merged_ranges: int = 2_000


DEFAULT_LIMITS = RosterLimits()
