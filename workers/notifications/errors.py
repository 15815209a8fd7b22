"""Classify provider failures and compute retry delays.

429 (honouring Retry-After), 5xx, timeouts and connection errors are retryable; any
other 4xx is permanent and carries the provider's reason.
"""

from __future__ import annotations

import json
import random
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import urllib3

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class ProviderError(Exception):
    """A provider call that did not succeed, already classified."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        # True when the request may have reached the provider (a read timeout).
        self.outcome_unknown = outcome_unknown

    def as_record(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message[:500], "status": self.status, "retryable": self.retryable}


def classify_http_error(
    status: int, headers: Mapping[str, str] | None, body: Any, now: datetime | None = None
) -> ProviderError:
    reason = _reason_from_body(body) or f"HTTP {status}"
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        retry_after = parse_retry_after((headers or {}).get("Retry-After"), now)
        return ProviderError("rate_limited", reason, retryable=True, status=status, retry_after=retry_after)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR or status == HTTPStatus.REQUEST_TIMEOUT:
        return ProviderError("provider_unavailable", reason, retryable=True, status=status)
    return ProviderError("rejected", reason, retryable=False, status=status)


def classify_exception(exc: BaseException) -> ProviderError:
    """Turn a transport exception (urllib3, socket) into a ProviderError."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return classify_exception(exc.reason)
    return _classify_transport_error(exc)


def _classify_transport_error(exc: BaseException) -> ProviderError:
    if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, socket.timeout, TimeoutError)):
        return ProviderError("timeout", str(exc) or "read timed out", retryable=True, outcome_unknown=True)
    if isinstance(exc, (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError)):
        return ProviderError("connection_failed", str(exc), retryable=True)
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return ProviderError("connection_dropped", str(exc), retryable=True, outcome_unknown=True)
    if isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, OSError)):
        return ProviderError("transport_error", f"{type(exc).__name__}: {exc}", retryable=True, outcome_unknown=True)
    return ProviderError("unexpected_error", f"{type(exc).__name__}: {exc}", retryable=False)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(
    attempt: int, *, base: float = 5.0, cap: float = 3600.0, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with "equal jitter": between half and all of base * 2**(attempt-1)."""
    ceiling = min(cap, base * 2.0 ** max(0, attempt - 1))
    return ceiling / 2 + rng() * ceiling / 2


def retry_delay(
    error: ProviderError,
    attempt: int,
    *,
    base: float = 5.0,
    cap: float = 3600.0,
    rng: Callable[[], float] = random.random,
) -> float:
    """Delay before the next attempt: Retry-After when the provider gave one (plus up to
    10% jitter so workers do not return in lockstep), exponential backoff otherwise.
    """
    if error.retry_after is not None:
        return error.retry_after + rng() * min(1.0, error.retry_after * 0.1)
    return backoff_delay(attempt, base=base, cap=cap, rng=rng)


def _reason_from_body(body: Any) -> str | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return str(body)[:300] or None
    if isinstance(data, dict):
        parts = [str(data[key]) for key in ("code", "message") if data.get(key)]
        return ": ".join(parts) or None
    return str(data)[:300]
