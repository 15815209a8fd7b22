"""The outbox dispatcher (send each message once and record it), test reminders, and the sender,
rate limiter and options built from the settings.
"""

from jobs.notifications.dispatcher import DispatchOptions, DispatchOutcome, dispatch_batch

__all__ = ["DispatchOptions", "DispatchOutcome", "dispatch_batch"]
