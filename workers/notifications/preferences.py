"""Whether a message may go out: the global channel switch and the user's opt-outs.

Invitations and password resets are essential: they are always sent (a student cannot
sign in without them), whatever the switches and opt-outs say. Everything else is
suppressed when its channel is switched off or the user opted out of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.notifications import ESSENTIAL_KINDS

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet


def is_essential(kind: str, *, flagged_essential: bool = False) -> bool:
    return flagged_essential or kind in ESSENTIAL_KINDS


def suppression_reason(
    kind: str, channel: str, *, essential: bool, channel_enabled: bool, opt_outs: AbstractSet[str]
) -> str | None:
    """None when the message may be sent, else why not ("channel_disabled", "user_opted_out")."""
    if is_essential(kind, flagged_essential=essential):
        return None
    if not channel_enabled:
        return "channel_disabled"
    if {f"{channel}:{kind}", f"{channel}:*", f"*:{kind}", "*:*"} & set(opt_outs):
        return "user_opted_out"
    return None
