from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import urllib3

from workers.notifications.errors import (
    backoff_delay,
    classify_exception,
    classify_http_error,
    parse_retry_after,
    retry_delay,
)


def test_http_statuses_are_classified():
    limited = classify_http_error(429, {"Retry-After": "7"}, b'{"code":"too_many_requests"}')
    assert limited.retryable
    assert limited.retry_after == 7
    assert limited.code == "rate_limited"
    assert classify_http_error(503, {}, "").retryable
    bad = classify_http_error(400, {}, '{"code":"invalid_parameter","message":"email is not valid"}')
    assert not bad.retryable
    assert bad.message == "invalid_parameter: email is not valid"
    assert not classify_http_error(401, {}, None).retryable


def test_transport_errors_are_retryable():
    timeout = classify_exception(urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out"))
    assert timeout.retryable
    assert timeout.outcome_unknown
    assert timeout.code == "timeout"
    refused = classify_exception(
        urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.NewConnectionError(None, "refused"))
    )
    assert refused.retryable
    assert not refused.outcome_unknown


def test_retry_after_accepts_seconds_and_dates():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("3", now) == 3
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None) is None


def test_backoff_grows_exponentially_with_bounded_jitter():
    assert [backoff_delay(n, base=2, rng=lambda: 1.0) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert [backoff_delay(n, base=2, rng=lambda: 0.0) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_delay(30, base=2, cap=60, rng=lambda: 1.0) == 60


def test_retry_delay_honours_retry_after():
    limited = classify_http_error(429, {"Retry-After": "20"}, None)
    assert 20 <= retry_delay(limited, 1, rng=lambda: 0.5) <= 21
    server_error = classify_http_error(500, {}, None)
    assert retry_delay(server_error, 3, base=1, rng=lambda: 1.0) == 4
