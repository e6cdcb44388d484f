"""The pieces of bench/slowloris.py that time the server while it is attacked: one request on a new
connection, rounds of probes and signed acks, and a siege of stalled, dripping and chunked
connections driven by one selector thread."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

from signed import slash_requests

STALLED_HEAD = (
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 100000\r\n\r\nabc"
)
CHUNKED_HEAD = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n"
HEADS = {"stalled": STALLED_HEAD, "dripper": STALLED_HEAD, "chunked": CHUNKED_HEAD}


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    failed: int = 0

    def p(self, pct: float) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))] if ordered else float("nan")


def request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: bot", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """(status, body) of one response with a Content-Length; ConnectionError if the server closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [
        int(line[15:]) for line in head.split(b"\r\n")[1:] if line.lower().startswith(b"content-length:")
    ]
    while len(body) < sum(lengths):
        body += _recv(sock)
    return int(head.split(b" ")[1]), body


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise ConnectionError("closed by the server")
    return chunk


def exchange(host: str, port: int, payload: bytes, timeout: float = 5.0) -> tuple[int, bytes, float]:
    """One request on a new connection: (status, body, milliseconds)."""
    started = time.perf_counter()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload)
        status, body = read_response(sock)
    return status, body, (time.perf_counter() - started) * 1000


def probe_round(host: str, main: int, probe: int, secret: str, seconds: float) -> dict[str, Samples]:
    """Every 20 ms: GET /healthz on the probe port and on the main port, and a signed `/llm help`."""
    rounds = {
        "healthz (probe port)": Samples(),
        "healthz (main port)": Samples(),
        "signed /llm help": Samples(),
    }
    signed = iter(slash_requests(secret, int(seconds / 0.02) + 10))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body, headers = next(signed)
        asks = (
            (probe, request("GET", "/healthz"), b'"ok"'),
            (main, request("GET", "/healthz"), b'"ok"'),
            (main, request("POST", "/slack/events", body, headers), b"llmbot commands"),
        )
        for samples, (port, payload, expect) in zip(rounds.values(), asks, strict=True):
            try:
                status, answer, ms = exchange(host, port, payload)
                samples.ms.append(ms)
                samples.failed += status != 200 or expect not in answer
            except OSError:
                samples.failed += 1
        time.sleep(0.02)
    return rounds


class Siege:
    """Stalled bodies, drippers (a body byte a second) and endless chunked bodies (a 1 kB piece of the
    chunk-size line every 10 ms), all on one thread; records for each connection when the server
    answered it (and with what status) and when it closed it."""

    def __init__(self, host: str, port: int, stalled: int, drippers: int, chunked: int):
        self._selector = selectors.DefaultSelector()
        self.rows = [
            {
                "kind": kind,
                "sock": socket.create_connection((host, port)),
                "sent": 0,
                "status": None,
                "answered": None,
                "closed": None,
            }
            for kind, count in (("stalled", stalled), ("dripper", drippers), ("chunked", chunked))
            for _ in range(count)
        ]
        self._thread = threading.Thread(target=self._drive, daemon=True)
        self._stop = False

    def start(self) -> "Siege":
        self.started = time.perf_counter()
        for row in self.rows:
            self._send(row, HEADS[row["kind"]])
            self._selector.register(row["sock"], selectors.EVENT_READ, row)
        self._thread.start()
        return self

    def wait(self, timeout: float) -> dict[str, list[dict]]:
        self._thread.join(timeout)
        self._stop = True
        for row in self.rows:
            row["sock"].close()
        return {kind: [r for r in self.rows if r["kind"] == kind] for kind in HEADS}

    def _drive(self) -> None:
        next_drip = time.perf_counter() + 1.0
        while not self._stop and any(r["closed"] is None for r in self.rows):
            for key, _ in self._selector.select(timeout=0.01):
                self._read(key.data)
            drip = time.perf_counter() >= next_drip
            for row in (r for r in self.rows if r["closed"] is None and r["answered"] is None):
                if row["kind"] == "chunked":
                    self._send(row, b"f" * 1024)
                elif row["kind"] == "dripper" and drip:
                    self._send(row, b"d")
            next_drip += 1.0 if drip else 0.0

    def _send(self, row: dict, data: bytes) -> None:
        try:
            row["sent"] += row["sock"].send(data)
        except OSError:  # reset or closed by the server
            self._closed(row)

    def _read(self, row: dict) -> None:
        try:
            chunk = row["sock"].recv(65536)
        except OSError:
            chunk = b""
        if chunk and row["answered"] is None:
            row["answered"], row["status"] = time.perf_counter() - self.started, chunk.split(b" ")[1].decode()
        if not chunk:
            self._closed(row)

    def _closed(self, row: dict) -> None:
        if row["closed"] is None:
            row["closed"] = time.perf_counter() - self.started
            self._selector.unregister(row["sock"])


def grouped(rows: list[dict]) -> list[tuple[str, list[float], list[float], int]]:
    """Per outcome: (outcome, times to answer or close, times to close, bytes sent)."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        answered = f"{row['status']} then closed" if row["closed"] else f"{row['status']}, still open"
        outcome = answered if row["status"] else "closed unanswered" if row["closed"] else "still open"
        groups.setdefault(outcome, []).append(row)
    nan = float("nan")
    return [
        (
            outcome,
            sorted(r["answered"] or r["closed"] or nan for r in rows),
            sorted(r["closed"] or nan for r in rows),
            sum(r["sent"] for r in rows),
        )
        for outcome, rows in groups.items()
    ]
