"""Shared plumbing for the sandbox's HTTP stand-ins: a threaded loopback server on a free port,
an explicit route table, JSON helpers, and fault injection (slow down or fail every request) so
tests and benchmarks can make one backend hang or break.

Fault injection is itself HTTP: `POST /_sandbox/fault {"delay_seconds": 2, "status": 503}` applies
to every later request outside /_sandbox/; `{}` clears it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[Request], Response]


@dataclass
class Fault:
    delay_seconds: float = 0.0
    status: int | None = None


class StubServer:
    """A route table served on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, name: str):
        self.name = name
        self.fault = Fault()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self.seen: deque[tuple[str, str]] = deque(maxlen=10_000)  # (method, path) served, for tests
        self.route("POST", r"/_sandbox/fault", self._set_fault)

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register `handler` for `method` and a regex over the path (named groups become params)."""
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def start(self, port: int = 0) -> str:
        stub = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out separately: without this, +40 ms a call

            def log_message(self, *args: Any) -> None:  # quiet: tests read state, not logs
                pass

            def _serve(self) -> None:
                stub._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.05),
            name=f"stub-{self.name}",
            daemon=True,
        ).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _set_fault(self, req: Request) -> Response:
        spec = req.json() or {}
        self.fault = Fault(float(spec.get("delay_seconds", 0)), spec.get("status"))
        return Response(body={"ok": True})

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        req = Request(
            h.command, parts.path, parse_qs(parts.query), dict(h.headers.items()), h.rfile.read(length)
        )
        if not req.path.startswith("/_sandbox/"):
            self.seen.append((req.method, req.path))
        resp = self._faulted(req) or self._dispatch(req)
        payload = resp.encode()
        h.send_response(resp.status)
        h.send_header("Content-Type", resp.content_type)
        h.send_header("Content-Length", str(len(payload)))
        for key, value in resp.headers.items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(payload)

    def _faulted(self, req: Request) -> Response | None:
        if req.path.startswith("/_sandbox/"):
            return None
        if self.fault.delay_seconds:
            time.sleep(self.fault.delay_seconds)
        if self.fault.status:
            return Response(self.fault.status, {"message": f"{self.name} fault injected"})
        return None

    def _dispatch(self, req: Request) -> Response:
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.match(req.path)
            if not match:
                continue
            allowed = True
            if method == req.method:
                req.params = match.groupdict()
                return handler(req)
        if allowed:
            return Response(405, {"message": "method not allowed"})
        return Response(404, {"message": f"{self.name}: no route for {req.path}"})


class HasStub:
    """For stand-ins that own a StubServer (`self.stub`) rather than being one: start, stop, url."""

    stub: StubServer

    def start(self) -> str:
        return self.stub.start()

    def stop(self) -> None:
        self.stub.stop()

    @property
    def url(self) -> str:
        return self.stub.url
