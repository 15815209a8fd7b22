"""Rate limiter, masking, preferences rule and the fake Brevo server's own surface."""

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from devstack.fake_brevo import FakeBrevo
from domain.masking import mask_email, mask_mobile
from workers.notifications.preferences import suppression_reason
from workers.notifications.ratelimit import ChannelRateLimiter, TokenBucket

REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_token_bucket_spaces_calls_at_its_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_second=2, burst=2, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:2] == [0, 0]
    assert waits[2:] == pytest.approx([0.5, 0.5, 0.5])
    assert clock.now == pytest.approx(1.5)


def test_channel_limiter_only_limits_configured_channels():
    limiter = ChannelRateLimiter.per_second(email=1000)
    assert limiter.acquire("sms") == 0.0
    assert limiter.acquire("email") == 0.0


def test_masking_hides_addresses():
    assert mask_email("asha.rao@college.edu.in") == "a***@c***.in"
    assert mask_mobile("+91 98765 43210") == "***210"
    assert mask_email(None) == "***"
    assert mask_mobile("") == "***"


def test_suppression_rule():
    rule = {"channel_enabled": True, "opt_outs": set()}
    assert suppression_reason("test_reminder", "email", essential=False, **rule) is None
    assert (
        suppression_reason("test_reminder", "sms", essential=False, channel_enabled=False, opt_outs=set())
        == "channel_disabled"
    )
    assert (
        suppression_reason(
            "results_released", "email", essential=False, channel_enabled=True, opt_outs={"*:results_released"}
        )
        == "user_opted_out"
    )
    assert suppression_reason("password_reset", "sms", essential=False, channel_enabled=False, opt_outs={"*:*"}) is None


def _post(url, body, headers=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_fake_brevo_control_api_and_idempotency():
    fake = FakeBrevo(api_key="k").start()
    try:
        root = fake.base_url[: -len("/v3")]
        email = {
            "sender": {"email": "a@b.test"},
            "subject": "s",
            "htmlContent": "<p>x</p>",
            "to": [{"email": "x@y.test"}],
            "headers": {"idempotencyKey": "key-1"},
        }
        assert _post(fake.base_url + "/smtp/email", email)[0] == 401
        assert _post(root + "/_control/fail", {"mode": "429", "count": 1, "retry_after": 3})[0] == 200
        status, headers, _ = _post(fake.base_url + "/smtp/email", email, {"api-key": "k"})
        assert status == 429
        assert headers["Retry-After"] == "3"
        first = _post(fake.base_url + "/smtp/email", email, {"api-key": "k"})
        again = _post(fake.base_url + "/smtp/email", email, {"api-key": "k"})
        assert first[0] == again[0] == 201
        assert first[2] == again[2]
        assert fake.deliveries() == ["x@y.test"]
        with urllib.request.urlopen(root + "/_control/calls", timeout=5) as response:
            assert len(json.loads(response.read())["calls"]) == 4
        assert _post(root + "/_control/reset", {})[0] == 200
        assert fake.calls == []
    finally:
        fake.stop()


def test_fake_brevo_runs_as_a_module():
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.fake_brevo", "--port", "0", "--api-key", "k"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        base_url = line.split()[-1]
        sms = {"sender": "VERSANT", "recipient": "919876543210", "content": "hi"}
        status, _, body = _post(base_url + "/transactionalSMS/sms", sms, {"api-key": "k"})
        assert status == 201
        assert body["reference"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
