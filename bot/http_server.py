"""Serving the WSGI app: one asyncio event loop parses HTTP/1.1 and calls the app in its own thread
(no hand-off to a pool: an ack is a few hundred microseconds of CPU under one GIL), guarded against
the junk a public endpoint gets. Slack and PagerDuty send small bodies with a Content-Length, so a
chunked body is refused with 411 before it is read, a request whose headers and body take longer than
a few seconds gets 408, idle connections close after a few seconds, and the liveness and readiness
probes have a listener of their own that no amount of slow clients on the main port can starve."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import socket
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import unquote

log = logging.getLogger(__name__)

REQUEST_SECONDS = 5.0  # headers and body must arrive within this; Slack itself waits only 3 s for the ack
IDLE_SECONDS = 5  # a connection that sends nothing for this long, mid-request or between requests, is closed
CONNECTIONS = 500  # beyond this many open connections a new one is answered 503 and closed
MAX_BODY = 1024 * 1024
MAX_HEAD = 64 * 1024
LINGER_SECONDS = 2.0  # after refusing a request, read and drop what the client still sends, then close
_HEADER = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*\Z", re.S)
_REASONS = {200: "OK", 400: "Bad Request", 408: "Request Timeout", 411: "Length Required",
            413: "Content Too Large", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
            501: "Not Implemented", 503: "Service Unavailable"}  # fmt: skip


class Refused(Exception):
    """The request is answered with `status` and the connection closed, before the app sees it."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


class Server:
    """The main listener: bound at construction (so the port is known), served by `run()` in the
    calling thread until `close()` from any thread."""

    def __init__(self, app, host: str, port: int, request_seconds: float, idle_seconds: float):
        self.app, self.request_seconds, self.idle_seconds = app, request_seconds, idle_seconds
        self._sock = socket.create_server((host, port), backlog=1024, reuse_port=False)
        self.effective_port = self._sock.getsockname()[1]
        self.base_environ = {
            "SCRIPT_NAME": "", "SERVER_NAME": host, "SERVER_PORT": str(self.effective_port),
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }  # fmt: skip
        self.connections: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._date = (0, "")

    def run(self) -> None:
        self._loop = loop = asyncio.new_event_loop()
        try:
            listener = loop.run_until_complete(loop.create_server(lambda: _Connection(self), sock=self._sock))
            loop.call_soon(self._sweep)
            loop.run_forever()
            listener.close()
            for conn in list(self.connections):
                conn.transport.close()
            loop.run_until_complete(asyncio.sleep(0))  # let the transports close
        finally:
            loop.close()

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._loop.stop)
        else:
            self._sock.close()

    def date(self) -> str:
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    def _sweep(self) -> None:
        """Closes connections that sent nothing for idle_seconds (a stalled body included)."""
        now = time.monotonic()
        for conn in [c for c in self.connections if now - c.last_seen > self.idle_seconds]:
            conn.transport.close()
        self._loop.call_later(min(1.0, self.idle_seconds / 2), self._sweep)


class _Connection(asyncio.Protocol):
    """One client connection: parses requests in order (pipelined ones too) and answers each."""

    def __init__(self, server: Server):
        self.server, self.buffer, self.head, self.started = server, b"", None, 0.0
        self.last_seen, self.refusing = time.monotonic(), False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server.connections.add(self)
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = (transport.get_extra_info("peername") or ("", 0))[0]
        if len(self.server.connections) > CONNECTIONS:
            self._refuse(Refused(503, "too many connections"))

    def connection_lost(self, exc) -> None:
        self.server.connections.discard(self)

    def eof_received(self) -> bool:
        return False  # the client is done sending: close once what we wrote is flushed

    def data_received(self, data: bytes) -> None:
        self.last_seen = now = time.monotonic()
        if self.refusing:
            return  # lingering after a refusal: what the client still sends is dropped
        if not self.buffer and self.head is None:
            self.started = now
        self.buffer += data
        try:
            while self._next_request(now):
                pass
        except Refused as refused:
            self._refuse(refused)

    def _next_request(self, now: float) -> bool:
        """Answers the request at the front of the buffer if it is complete; True if another may follow."""
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    raise Refused(431, "request head too large")
                return self._in_time(now)
            self.head = _parse_head(self.buffer[:end])
            self.buffer = self.buffer[end + 4 :]
            if self.head[3] and len(self.buffer) < self.head[2]:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        length = self.head[2]
        if len(self.buffer) < length:
            return self._in_time(now)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        head, self.head, self.started = self.head, None, now
        return self._answer(head[0], head[1], body) and bool(self.buffer)

    def _in_time(self, now: float) -> bool:
        if now - self.started > self.server.request_seconds:
            raise Refused(408, f"the request took over {self.server.request_seconds:g} s")
        return False

    def _answer(self, request_line: tuple[str, str, str], headers: dict[str, str], body: bytes) -> bool:
        method, target, version = request_line
        connection = headers.get("HTTP_CONNECTION", "").lower()
        close = connection != "keep-alive" if version == "HTTP/1.0" else connection == "close"
        path, _, query = target.partition("?")
        environ = {**self.server.base_environ, **headers, "REQUEST_METHOD": method,
                   "PATH_INFO": unquote(path, "latin-1"), "QUERY_STRING": query, "SERVER_PROTOCOL": version,
                   "REMOTE_ADDR": self.peer, "wsgi.input": io.BytesIO(body)}  # fmt: skip
        status, out_headers, content = _call(self.server.app, environ)
        extra = "Connection: close\r\n" if close else "Connection: keep-alive\r\n" if version == "HTTP/1.0" else ""
        head = (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in out_headers)
                + f"Content-Length: {len(content)}\r\nDate: {self.server.date()}\r\nServer: llmbot\r\n{extra}\r\n")  # fmt: skip
        self.transport.write(head.encode("latin-1") + (b"" if method == "HEAD" else content))
        if close:
            self.transport.close()
        return not close

    def _refuse(self, refused: Refused) -> None:
        """Answers `refused.status`, half-closes, and drops whatever the client still sends for a moment
        (closing at once could reset the connection before the client has read the answer)."""
        self.refusing = True
        body = f'{{"error": "{refused}"}}'.encode()
        self.transport.write(
            f"HTTP/1.1 {refused.status} {_REASONS.get(refused.status, '')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nServer: llmbot\r\n\r\n".encode() + body
        )
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.abort)


def _parse_head(raw: bytes) -> tuple[tuple[str, str, str], dict[str, str], int, bool]:
    """((method, target, version), WSGI header keys, content length, expects 100-continue) or Refused."""
    lines = raw.lstrip(b"\r\n").split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0") or not parts[1].startswith("/"):
        raise Refused(400, "bad request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        match = _HEADER.match(line)
        if match is None:
            raise Refused(400, "bad header")
        name, value = (g.decode("latin-1") for g in match.groups())
        if "_" in name:  # HTTP_X_A from "X_A" would pass for "X-A": dropped, as waitress does
            continue
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return tuple(parts), headers, _content_length(headers), headers.get("HTTP_EXPECT", "").lower() == "100-continue"


def _content_length(headers: dict[str, str]) -> int:
    if "HTTP_TRANSFER_ENCODING" in headers:
        encoding = headers["HTTP_TRANSFER_ENCODING"].lower()
        raise Refused(411, "send the body with a Content-Length") if "chunked" in encoding else Refused(
            501, "Transfer-Encoding is not supported")
    length = headers.get("CONTENT_LENGTH", "0")
    if not (length.isascii() and length.isdigit()):
        raise Refused(400, "Content-Length is invalid")
    if int(length) > MAX_BODY:
        raise Refused(413, "body too large")
    return int(length)


def _call(app, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    answer: list = []
    try:
        content = b"".join(app(environ, lambda status, headers, exc_info=None: answer.extend((status, headers))))
    except Exception:  # the server must outlive a broken request; the app logs its own failures first
        log.exception("request failed in the WSGI app")
        return "500 Internal Server Error", [("Content-Type", "text/plain")], b"internal error"
    status, headers = answer
    return status, [(k, v) for k, v in headers if k.lower() != "content-length"], content


def main_server(app, host: str, port: int, threads: int, request_seconds: float = REQUEST_SECONDS,
                idle_seconds: float = IDLE_SECONDS) -> Server:  # fmt: skip
    """The main listener. `threads` is kept for the config's sake: the app runs on the loop's thread."""
    return Server(app, host, port, request_seconds, idle_seconds)


Probe = Callable[[], tuple[int, bytes]]


class HealthServer:
    """GET /healthz and /readyz on a port of their own, for the kubelet's probes."""

    def __init__(self, host: str, port: int, probes: dict[str, Probe]):
        handler = type("ProbeHandler", (_ProbeHandler,), {"probes": probes})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _ProbeHandler(BaseHTTPRequestHandler):
    probes: dict[str, Probe] = {}
    timeout = 2  # a client that sends nothing is dropped, not waited for

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        probe = self.probes.get(self.path)
        status, body = probe() if probe else (404, b'{"error": "not found"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # probes every few seconds: not worth a log line
        pass
