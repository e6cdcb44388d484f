"""Serving the WSGI app: one asyncio event loop reads HTTP/1.1 and calls the app on its own thread
(an ack is a fraction of a millisecond of CPU under one GIL: handing it to a thread pool, as waitress
does, costs more than the ack), guarded against the junk a public endpoint gets. Slack and PagerDuty
send small bodies with a Content-Length, so a chunked body is refused with 411 before it is read, a
request whose head and body take longer than a few seconds gets 408, a connection that sends nothing
for a few seconds is closed, and the liveness and readiness probes have a listener of their own."""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import socket
import sys
import time
from email.utils import formatdate
from urllib.parse import unquote

from bot.http_head import MAX_HEAD, Head, Refused, parse_head

log = logging.getLogger(__name__)

REQUEST_SECONDS = 5.0  # head and body must arrive within this; Slack itself waits only 3 s for the ack
IDLE_SECONDS = 5  # a connection that sends nothing for this long, mid-request or between requests, is closed
CONNECTIONS = 500  # a connection beyond this many is answered 503 and closed
LINGER_SECONDS = 2.0  # after a refusal, what the client still sends is read and dropped this long
_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class Server:
    """The main listener, bound at construction (so its port is known), served by `run()` in the
    calling thread until `close()` is called from any thread."""

    def __init__(self, app, host: str, port: int, request_seconds: float, idle_seconds: float):
        self.app, self.request_seconds, self.idle_seconds = app, request_seconds, idle_seconds
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.create_server((host, port), family=family, backlog=1024)
        self.effective_port = self._sock.getsockname()[1]
        self.environ = {
            "SCRIPT_NAME": "",
            "SERVER_NAME": host,
            "SERVER_PORT": str(self.effective_port),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        self.connections: set[_Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._date = (0, "")

    def run(self) -> None:
        _freeze_heap_once()
        self._loop = loop = asyncio.new_event_loop()
        try:
            listener = loop.run_until_complete(loop.create_server(lambda: _Connection(self), sock=self._sock))
            loop.call_soon(self._sweep)
            loop.run_forever()
            listener.close()
            for conn in list(self.connections):
                conn.transport.close()
            loop.run_until_complete(asyncio.sleep(0))  # let the transports finish closing
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
        """Closes connections that sent nothing for idle_seconds, a stalled body's among them."""
        now = time.monotonic()
        for conn in [c for c in self.connections if now - c.last_seen > self.idle_seconds]:
            conn.transport.close()
        self._loop.call_later(min(0.5, self.idle_seconds / 2), self._sweep)


class _Connection(asyncio.Protocol):
    """One client connection: reads requests in order (pipelined ones too) and answers each."""

    def __init__(self, server: Server):
        self.server, self.buffer, self.head = server, b"", None
        self.started = self.last_seen = time.monotonic()
        self.refusing = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server.connections.add(self)
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.peer = (transport.get_extra_info("peername") or ("",))[0]
        if len(self.server.connections) > CONNECTIONS:
            self._refuse(Refused(503, "too many connections"))

    def connection_lost(self, exc) -> None:
        self.server.connections.discard(self)

    def pause_writing(self) -> None:  # a client that sends but does not read: stop reading it too
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self.last_seen = now = time.monotonic()
        if self.refusing:
            return
        if not self.buffer and self.head is None:
            self.started = now
        self.buffer += data
        try:
            while self._next_request(now):
                pass
        except Refused as refused:
            self._refuse(refused)

    def _next_request(self, now: float) -> bool:
        """Answers the request at the front of the buffer once it is complete; True if another may follow."""
        if self.head is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return self._in_time(now, len(self.buffer) > MAX_HEAD)
            self.head, self.buffer = parse_head(self.buffer[:end]), self.buffer[end + 4 :]
            if (
                self.head[3].get("HTTP_EXPECT", "").lower() == "100-continue"
                and len(self.buffer) < self.head[4]
            ):
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        length = self.head[4]
        if len(self.buffer) < length:
            return self._in_time(now)
        (head, self.head), self.started = (self.head, None), now
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return self._answer(head, body) and bool(self.buffer)

    def _in_time(self, now: float, head_too_large: bool = False) -> bool:
        if head_too_large:
            raise Refused(431, "request head too large")
        if now - self.started > self.server.request_seconds:
            raise Refused(408, f"the request took over {self.server.request_seconds:g} s")
        return False

    def _answer(self, head: Head, body: bytes) -> bool:
        method, target, version, headers, _ = head
        connection = headers.get("HTTP_CONNECTION", "").lower()
        close = connection != "keep-alive" if version == "HTTP/1.0" else connection == "close"
        path, _, query = target.partition("?")
        environ = {
            **self.server.environ,
            **headers,
            "REQUEST_METHOD": method,
            "QUERY_STRING": query,
            "PATH_INFO": unquote(path, "latin-1"),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": self.peer,
            "wsgi.input": io.BytesIO(body),
        }
        status, out, content = _call(self.server.app, environ)
        out += [("Content-Length", str(len(content))), ("Date", self.server.date()), ("Server", "llmbot")]
        if close or version == "HTTP/1.0":
            out.append(("Connection", "close" if close else "keep-alive"))
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in out) + "\r\n"
        self.transport.write(head.encode("latin-1") + (b"" if method == "HEAD" else content))
        if close:
            self.transport.close()
        return not close

    def _refuse(self, refused: Refused) -> None:
        """Answers `refused.status`, half-closes, and drops what the client still sends for a moment:
        closing at once could reset the connection before the client has read the answer."""
        self.refusing = True
        body = f'{{"error": "{refused}"}}'.encode()
        head = (
            f"HTTP/1.1 {refused.status} {_REASONS[refused.status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\nServer: llmbot\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.abort)


_heap_frozen = False


def _freeze_heap_once() -> None:
    """What exists when the first server starts (in `llmbot serve`, everything the bot built) lives as
    long as the process: it is moved out of the collector's sight. A full collection of those ~500,000
    objects takes ~270 ms, which every request in flight would wait through; after gc.freeze(), one
    takes microseconds. Once per process, so a test run leaves at most its first bot uncollected."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


def _call(app, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers without Content-Length, body) from the WSGI app; 500 if it raises."""
    answer: list = []
    try:
        content = b"".join(
            app(environ, lambda status, headers, exc_info=None: answer.extend((status, headers)))
        )
    except Exception:  # the server outlives a broken request; the bot's app answers its own failures first
        log.exception("request failed in the WSGI app")
        return "500 Internal Server Error", [("Content-Type", "text/plain")], b"internal error"
    status, headers = answer
    return status, [(k, v) for k, v in headers if k.lower() != "content-length"], content


def main_server(
    app,
    host: str,
    port: int,
    request_seconds: float = REQUEST_SECONDS,
    idle_seconds: float = IDLE_SECONDS,
) -> Server:
    """The main listener; the app runs on its event loop's thread."""
    return Server(app, host, port, request_seconds, idle_seconds)
