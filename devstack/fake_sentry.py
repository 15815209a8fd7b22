"""A local stand-in for Sentry's ingest endpoint: it keeps every envelope the SDK sends.

    POST /api/<project>/envelope/   -> 200 {}   (brotli, gzip or plain bodies)

In tests: `server = FakeSentry().start()`; `server.dsn` is the value for SENTRY_DSN;
`server.events()` the error events received (parsed), `server.bodies()` every body as sent
(decompressed), `server.stop()`.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast


class FakeSentry:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._bodies: list[bytes] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def dsn(self) -> str:
        host, port = self._server.server_address[:2]
        host = cast("str", host)  # an AF_INET server's address: text, never bytes
        return f"http://publickey@{host}:{port}/1"

    def start(self) -> FakeSentry:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-sentry", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def receive(self, body: bytes) -> None:
        with self._lock:
            self._bodies.append(body)

    def bodies(self) -> list[bytes]:
        with self._lock:
            return list(self._bodies)

    def events(self) -> list[dict[str, Any]]:
        """The error events of every envelope received, in order."""
        found = []
        for body in self.bodies():
            lines = body.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if header.strip() and json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


def _handler_for(server: FakeSentry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding == "br":  # the SDK compresses with brotli whenever the module is installed
                import brotli  # noqa: PLC0415 - only then, and then it is there

                body = brotli.decompress(body)
            server.receive(body)
            answer = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            """Quiet: the tests read what was received."""

    return Handler
