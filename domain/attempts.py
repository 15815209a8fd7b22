"""The rules of an attempt, no I/O: its deadline, the seeded draw of a student's form, what the
form keeps of each item, and typing time as the server measures it. api/assessment/attempts.py
applies them over HTTP; the store keeps what they decide.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random
from typing import TYPE_CHECKING, Any

from domain.assessment import section_of

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

# A client's own typing time differing from the server's by more than this is flagged.
TIMING_TOLERANCE_SECONDS, TIMING_TOLERANCE_SHARE = 5.0, 0.2


class NotEnoughItems(Exception):  # noqa: N818 - a rule's outcome, named as said
    """A drawn section asks for more items than the bank has left for it."""

    def __init__(self, section: int) -> None:
        super().__init__(f"section {section}: not enough items")
        self.section = section


def attempt_deadline(started_at: datetime, duration_minutes: int, window_end: datetime | None) -> datetime:
    """The attempt's own time, cut short by the test's window."""
    own = started_at + timedelta(minutes=duration_minutes)
    return min(own, window_end) if window_end is not None else own


def drawn_item_ids(
    sections: Sequence[Mapping[str, Any]], seed: str, candidates: Callable[[Mapping[str, Any]], list[str]]
) -> list[str]:
    """The student's items: fixed sections as listed, drawn sections drawn with the attempt's seed
    from `candidates(section)` (the bank's ids for it, in a stable order), an item at most once.
    The same seed and bank give the same form: a resume shows the same items.
    """
    rng = Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    chosen: list[str] = []
    for index, section in enumerate(sections):
        if "item_ids" in section:
            chosen += section["item_ids"]
            continue
        left = [item_id for item_id in candidates(section) if item_id not in chosen]
        if len(left) < section["count"]:
            raise NotEnoughItems(index)
        chosen += rng.sample(left, section["count"])
    return chosen


def form_entry(item_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """What answering the item needs, kept on the attempt so an answer reads no item (items a
    test uses never change: an edit is a new version).
    """
    entry = {
        "item_id": item_id,
        "type": item["type"],
        "section": section_of(item["type"]),
        "module": item.get("module"),
        "time_limit_seconds": item.get("time_limit_seconds"),
    }
    if item["type"] == "mcq":
        entry["option_count"] = len(item["content"]["options"])
    return entry


def server_timing(client_seconds: float | None, server_seconds: float) -> dict[str, Any]:
    """Typing is scored on the server's time from the item's view to the answer; the client's
    figure is kept only to flag that the two disagree.
    """
    timing: dict[str, Any] = {"elapsed_seconds": round(server_seconds, 3)}
    if client_seconds is not None:
        timing["client_elapsed_seconds"] = client_seconds
        tolerance = max(TIMING_TOLERANCE_SECONDS, TIMING_TOLERANCE_SHARE * server_seconds)
        timing["timing_disagrees"] = abs(client_seconds - server_seconds) > tolerance
    return timing
