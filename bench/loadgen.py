"""Closed-loop HTTP/1.1 load on loopback: C keep-alive connections, each sending the same pre-built
request as soon as the previous answer is complete, for a fixed time. Two clients:
`raw` is one thread multiplexing raw sockets with `selectors` (little Python per request, no GIL
hand-offs), so it measures the server; `requests` is C threads with a requests.Session each, the
way a Python caller would load it, and on a 2-core box it is often the bottleneck itself."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests


@dataclass
class Load:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0

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
    client: str, url: str, body: bytes, headers: dict[str, str], connections: int, seconds: float
) -> Load:
    started_cpu = time.process_time()
    load = (
        _raw(url, body, headers, connections, seconds)
        if client == "raw"
        else _sessions(url, body, headers, connections, seconds)
    )
    load.client_cpu_seconds = time.process_time() - started_cpu
    return load


class _Conn:
    def __init__(self, address: tuple[str, int]):
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = b""
        self.sent_at = 0.0

    def complete(self) -> int | None:
        """Status code once a whole response (headers + Content-Length body) is buffered, else None."""
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
        self.buffer = self.buffer[end + 4 + length :]
        return int(head[0].split()[1])


def _raw(url: str, body: bytes, headers: dict[str, str], connections: int, seconds: float) -> Load:
    parts = urlsplit(url)
    payload = request_bytes(url, body, headers)
    selector = selectors.DefaultSelector()
    load = Load()
    for _ in range(connections):
        conn = _Conn((parts.hostname, parts.port))
        selector.register(conn.sock, selectors.EVENT_READ, conn)
    started = time.perf_counter()
    stop_at = started + seconds
    for key in selector.get_map().values():
        key.data.sent_at = time.perf_counter()
        key.data.sock.sendall(payload)
    open_conns = connections
    while open_conns:
        for key, _ in selector.select(timeout=1):
            conn: _Conn = key.data
            chunk = conn.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed a keep-alive connection")
            conn.buffer += chunk
            status = conn.complete()
            if status is None:
                continue
            now = time.perf_counter()
            load.latencies_ms.append((now - conn.sent_at) * 1000)
            load.errors += status != 200
            if now < stop_at:
                conn.sent_at = now
                conn.sock.sendall(payload)  # small request: fits the socket buffer, never blocks
            else:
                selector.unregister(conn.sock)
                conn.sock.close()
                open_conns -= 1
    load.seconds = time.perf_counter() - started
    return load


def _sessions(url: str, body: bytes, headers: dict[str, str], connections: int, seconds: float) -> Load:
    load, lock = Load(), threading.Lock()
    stop_at = time.perf_counter() + seconds

    def one_connection() -> None:
        session, mine, errors = requests.Session(), [], 0
        while time.perf_counter() < stop_at:
            sent = time.perf_counter()
            response = session.post(url, data=body, headers=headers, timeout=10)
            mine.append((time.perf_counter() - sent) * 1000)
            errors += response.status_code != 200
        with lock:
            load.latencies_ms.extend(mine)
            load.errors += errors

    threads = [threading.Thread(target=one_connection) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    return load
