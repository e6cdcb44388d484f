"""HTTP/1.1 load on loopback from pre-built requests, each sent once (a signed Slack request sent twice
is a replay, which the bot answers without acting: cheaper, and it would flatter the bot). `raw` is one
thread multiplexing C keep-alive connections with `selectors` (little Python per request, so it
measures the server), closed-loop (each connection sends its next request as soon as the answer is
complete) or open-loop at a fixed rate (latency counted from when a request was due, so a stalled
server is not hidden by a client that waits for it); `requests` is C threads with a requests.Session
each, the way a Python caller would load it, and on a 2-core box it is often the bottleneck itself."""

from __future__ import annotations

import collections
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence
from urllib.parse import urlsplit

import requests

Request = tuple[bytes, dict[str, str]]  # (body, headers): one signed request, sent once


@dataclass
class Load:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0  # answers that were not 200
    wrong: int = 0  # 200 answers without the expected text (a replay answer, a 💥)
    ran_out: bool = False  # the pre-built requests ran out before the time did
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    sample: bytes = b""  # the body of one answer, to show what was measured

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def request_bytes(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    parts = urlsplit(url)
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run(
    client: str,
    url: str,
    batch: Sequence[Request],
    expect: bytes,
    connections: int,
    seconds: float,
    rate: float | None = None,
) -> Load:
    """Send each request of `batch` once over `connections` for `seconds` (closed-loop, or open-loop at
    `rate` requests/s with the raw client); every 200 answer must contain `expect`."""
    started_cpu = time.process_time()
    if client == "raw":
        wire = [request_bytes(url, body, headers) for body, headers in batch]
        started_cpu = time.process_time()  # building the bytes is not the load
        load = _raw(url, iter(wire), expect, connections, seconds, rate)
    else:
        load = _sessions(url, iter(batch), expect, connections, seconds)
    load.client_cpu_seconds = time.process_time() - started_cpu
    return load


class _Conn:
    def __init__(self, address: tuple[str, int]):
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = b""
        self.due = 0.0  # when the request in flight was due (open-loop) or sent (closed-loop)

    def complete(self) -> tuple[int, bytes] | None:
        """(status, body) once a whole response (headers + Content-Length body) is buffered, else None."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buffer[:end].decode("latin-1").split("\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return None
        body, self.buffer = self.buffer[end + 4 : end + 4 + length], self.buffer[end + 4 + length :]
        return int(head[0].split()[1]), body


class _Raw:
    """The state of one raw run: idle connections, what is due next, what came back."""

    def __init__(self, wire: Iterator[bytes], expect: bytes, seconds: float, rate: float | None):
        self.wire, self.expect, self.rate, self.load = wire, expect, rate, Load()
        self.started = time.perf_counter()
        self.stop_at = self.started + seconds
        self.total = int(rate * seconds) if rate else None
        self.sent = 0
        self.idle: collections.deque[_Conn] = collections.deque()

    def next_due(self) -> float | None:
        """When the next request is due; None when no more are to be sent."""
        if self.rate is None:
            return time.perf_counter() if time.perf_counter() < self.stop_at else None
        return self.started + self.sent / self.rate if self.sent < self.total else None

    def send_due(self) -> float | None:
        """Sends what is due on idle connections; returns the select timeout."""
        while self.idle:
            due = self.next_due()
            if due is None or self.load.ran_out:
                return 1.0
            now = time.perf_counter()
            if due > now:
                return due - now
            payload = next(self.wire, None)
            if payload is None:
                self.load.ran_out = True
                return 1.0
            conn = self.idle.popleft()
            conn.due = due if self.rate else now
            conn.sock.sendall(payload)  # small request: fits the socket buffer, never blocks
            self.sent += 1
        return 1.0

    def answered(self, conn: _Conn, status: int, body: bytes) -> None:
        self.load.latencies_ms.append((time.perf_counter() - conn.due) * 1000)
        self.load.errors += status != 200
        self.load.wrong += status == 200 and self.expect not in body
        self.load.sample = body
        self.idle.append(conn)


def _raw(
    url: str, wire: Iterator[bytes], expect: bytes, connections: int, seconds: float, rate: float | None
) -> Load:
    parts = urlsplit(url)
    selector = selectors.DefaultSelector()
    conns = [_Conn((parts.hostname, parts.port)) for _ in range(connections)]
    for conn in conns:
        selector.register(conn.sock, selectors.EVENT_READ, conn)
    state = _Raw(wire, expect, seconds, rate)
    state.idle.extend(conns)
    while True:
        timeout = state.send_due()
        if len(state.idle) == connections and (state.next_due() is None or state.load.ran_out):
            break
        for key, _ in selector.select(timeout=timeout):
            conn: _Conn = key.data
            chunk = conn.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed a keep-alive connection")
            conn.buffer += chunk
            answer = conn.complete()
            if answer is not None:
                state.answered(conn, *answer)
    for conn in conns:
        selector.unregister(conn.sock)
        conn.sock.close()
    state.load.seconds = time.perf_counter() - state.started
    return state.load


def _sessions(url: str, batch: Iterator[Request], expect: bytes, connections: int, seconds: float) -> Load:
    load, lock = Load(), threading.Lock()
    stop_at = time.perf_counter() + seconds

    def one_connection() -> None:
        session, mine, errors, wrong = requests.Session(), [], 0, 0
        while time.perf_counter() < stop_at:
            with lock:
                request = next(batch, None)
            if request is None:
                load.ran_out = True
                break
            sent = time.perf_counter()
            response = session.post(url, data=request[0], headers=request[1], timeout=10)
            mine.append((time.perf_counter() - sent) * 1000)
            errors += response.status_code != 200
            wrong += response.status_code == 200 and expect not in response.content
        with lock:
            load.latencies_ms.extend(mine)
            load.errors += errors
            load.wrong += wrong

    threads = [threading.Thread(target=one_connection) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load
