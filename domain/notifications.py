"""What kinds of message exist and which of them are always sent."""

from __future__ import annotations

CHANNELS = ("email", "sms")
STATES = ("queued", "sending", "sent", "failed", "suppressed")
KINDS = ("invitation", "password_reset", "test_assigned", "test_reminder", "results_released")
# Sent whatever the channel switches and opt-outs say: without them nobody can sign in.
ESSENTIAL_KINDS = frozenset({"invitation", "password_reset"})
# Params that would let a reader act as the recipient: kept sealed inside `params[SEALED]`
# until the message is sent, then removed (services/notify.py seals, the dispatcher opens).
SECRET_PARAMS = ("token", "invite_url", "reset_url")
SEALED = "sealed"
