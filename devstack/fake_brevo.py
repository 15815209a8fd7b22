"""A local stand-in for Brevo's transactional email and SMS endpoints.

    POST /v3/smtp/email            -> 201 {"messageId"} or, with messageVersions, {"messageIds": [...]}
    POST /v3/transactionalSMS/sms  -> 201 {"messageId", "reference", ...}

Every call is recorded (headers, body, the answer given). The `api-key` header must
match; a repeated `headers.idempotencyKey` is answered with the first answer and not
delivered again, as Brevo does. The control API makes the next N calls fail ("slow"
delivers the message, then waits hang_seconds before answering: the crash window):

    POST /_control/fail   {"mode": "429" | "500" | "400" | "hang" | "slow", "count": N,
                           "retry_after": 2, "hang_seconds": 5, "path": "/v3/smtp/email"}
    GET  /_control/calls  -> {"calls": [...]}      POST /_control/reset

In tests: `server = FakeBrevo(api_key="k").start()`; `server.base_url` is the value for
BrevoSender(host=...); `server.fail_next(...)`, `server.calls`, `server.stop()`.
From a shell: `python -m devstack.fake_brevo --port 8025 --api-key dev-key`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

EMAIL_PATH = "/v3/smtp/email"
SMS_PATH = "/v3/transactionalSMS/sms"
FAILURE_MODES = ("429", "500", "400", "hang", "slow")


@dataclass
class Failure:
    mode: str
    remaining: int
    retry_after: float = 1
    hang_seconds: float = 5.0
    path: str | None = None  # None: any API path


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    deduplicated: bool = False
    delivered: list[str] = field(default_factory=list)  # recipients actually "sent" to


class FakeBrevo:
    def __init__(self, api_key: str = "test-key", host: str = "127.0.0.1", port: int = 0) -> None:
        self.api_key = api_key
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._failures: list[Failure] = []
        self._idempotent: dict[str, tuple[int, Any]] = {}
        self.calls: list[Call] = []
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        host = cast("str", host)  # an AF_INET server's address: text, never bytes
        return f"http://{host}:{port}/v3"

    def start(self) -> FakeBrevo:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-brevo", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the command line)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def fail_next(
        self, mode: str, count: int = 1, *, retry_after: float = 1, hang_seconds: float = 5.0, path: str | None = None
    ) -> None:
        if mode not in FAILURE_MODES:
            raise ValueError(f"mode must be one of {FAILURE_MODES}")
        with self._lock:
            self._failures.append(Failure(mode, count, retry_after, hang_seconds, path))

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._idempotent.clear()
            self.calls.clear()

    def deliveries(self) -> list[str]:
        """Every recipient a message was actually accepted for, in order (duplicates stay)."""
        with self._lock:
            return [to for call in self.calls for to in call.delivered]

    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.path == path]

    # --- request handling -------------------------------------------------------------
    def handle_api(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if headers.get("api-key") != self.api_key:
            return self._record(path, headers, body, 401, {"code": "unauthorized", "message": "Key not found"})
        failure = self._take_failure(path)
        if failure is not None and failure.mode == "slow":
            answer = self._accept(path, headers, body)
            time.sleep(failure.hang_seconds)
            return answer
        if failure is not None:
            return self._fail(failure, path, headers, body)
        return self._accept(path, headers, body)

    def _accept(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict):
            return self._record(path, headers, body, 400, {"code": "bad_request", "message": "invalid JSON"})
        key = (body.get("headers") or {}).get("idempotencyKey") if path == EMAIL_PATH else None
        with self._lock:
            if key and key in self._idempotent:
                status, answer = self._idempotent[key]
                self.calls.append(Call(path, headers, body, status, answer, deduplicated=True))
                return status, answer, {}
        status, answer, delivered = self._accept_email(body) if path == EMAIL_PATH else self._accept_sms(body)
        with self._lock:
            if key and status == HTTPStatus.CREATED:
                self._idempotent[key] = (status, answer)
            self.calls.append(Call(path, headers, body, status, answer, delivered=delivered))
        return status, answer, {}

    def _accept_email(self, body: dict) -> tuple[int, Any, list[str]]:
        versions = body.get("messageVersions")
        if versions:
            recipients = [[to["email"] for to in version.get("to", [])] for version in versions]
            if any(not group for group in recipients):
                return 400, {"code": "missing_parameter", "message": "messageVersions[].to is required"}, []
            if any("@" not in (email or "") for group in recipients for email in group):
                return 400, {"code": "invalid_parameter", "message": "email is not valid in messageVersions"}, []
            ids = [self._message_id() for _ in versions]
            return 201, {"messageIds": ids}, [email for group in recipients for email in group]
        addresses = [to.get("email") for to in body.get("to") or []]
        if not addresses or not body.get("subject"):
            return 400, {"code": "missing_parameter", "message": "to and subject are required"}, []
        if any(not email or "@" not in email for email in addresses):
            return 400, {"code": "invalid_parameter", "message": "email is not valid in to"}, []
        return 201, {"messageId": self._message_id()}, addresses

    def _accept_sms(self, body: dict) -> tuple[int, Any, list[str]]:
        if not body.get("recipient") or not body.get("content") or not body.get("sender"):
            return 400, {"code": "missing_parameter", "message": "sender, recipient and content are required"}, []
        number = next(self._ids)
        return (
            201,
            {
                "messageId": number,
                "reference": f"ref-{number}",
                "smsCount": 1,
                "usedCredits": 1.0,
                "remainingCredits": 1000.0,
            },
            [body["recipient"]],
        )

    def _fail(self, failure: Failure, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if failure.mode == "hang":
            self._record(path, headers, body, 0, {"hung_for": failure.hang_seconds})
            time.sleep(failure.hang_seconds)
            return 503, {"code": "timeout", "message": "hung"}, {}
        if failure.mode == "429":
            status, extra = 429, {"Retry-After": f"{failure.retry_after:g}"}
            answer = {"code": "too_many_requests", "message": "rate limit exceeded"}
        elif failure.mode == "500":
            status, extra, answer = 500, {}, {"code": "internal_error", "message": "try again"}
        else:
            status, extra, answer = 400, {}, {"code": "invalid_parameter", "message": "rejected by fake"}
        self._record(path, headers, body, status, answer)
        return status, answer, extra

    def _take_failure(self, path: str) -> Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.remaining > 0 and failure.path in (None, path):
                    failure.remaining -= 1
                    return failure
            return None

    def _record(
        self, path: str, headers: dict[str, str], body: Any, status: int, answer: Any
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.calls.append(Call(path, headers, body, status, answer))
        return status, answer, {}

    def _message_id(self) -> str:
        return f"<{next(self._ids)}.fake@smtp-relay.brevo.test>"

    def control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if method == "GET" and path == "/_control/calls":
            with self._lock:
                return 200, {"calls": [call.__dict__ for call in self.calls]}
        if method == "POST" and path == "/_control/reset":
            self.reset()
            return 200, {"ok": True}
        if method == "POST" and path == "/_control/fail" and isinstance(body, dict):
            try:
                self.fail_next(
                    str(body.get("mode")),
                    int(body.get("count", 1)),
                    retry_after=float(body.get("retry_after", 1)),
                    hang_seconds=float(body.get("hang_seconds", 5)),
                    path=body.get("path"),
                )
            except ValueError as exc:
                return 400, {"code": "bad_request", "message": str(exc)}
            return 200, {"ok": True}
        return 404, {"code": "not_found", "message": path}


def _handler_for(fake: FakeBrevo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self._read_json()
            if self.path.startswith("/_control/"):
                self._answer(*fake.control("POST", self.path, body), {})
            elif self.path in (EMAIL_PATH, SMS_PATH):
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._answer(*fake.handle_api(self.path, headers, body))
            else:
                self._answer(404, {"code": "not_found", "message": self.path}, {})

        def do_GET(self) -> None:
            self._answer(*fake.control("GET", self.path, None), {})

        def _read_json(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _answer(self, status: int, payload: Any, extra_headers: dict[str, str]) -> None:
            data = json.dumps(payload, default=str).encode()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up on a "hang"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of Brevo's transactional email/SMS API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--api-key", default="test-key")
    args = parser.parse_args()
    fake = FakeBrevo(api_key=args.api_key, host=args.host, port=args.port)
    print(f"fake Brevo listening on {fake.base_url}", flush=True)
    fake.serve_forever()


if __name__ == "__main__":
    main()
