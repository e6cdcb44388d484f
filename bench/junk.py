"""The junk storm of bench/slowloris.py: per kind of junk aimed at /slack/events (unsigned, a bad
timestamp, `payload=x`, JSON arrays, forged, stale and replayed signatures, an oversized or garbled
request, and signed junk only a holder of the signing secret could send), `count` requests on one
keep-alive connection, with status codes, latency, server CPU and log lines per request."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
from collections import Counter
from pathlib import Path

import serving
from attack import Samples, read_response, request
from signed import slash_requests

from sandbox.slack_sender import slash_body

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def kinds(secret: str, count: int) -> dict[str, list[bytes]]:
    """Per kind, `count` raw requests for /slack/events."""
    now = int(time.time())

    def signed(body: bytes, stamp: int = now, content_type: str = FORM["Content-Type"]) -> bytes:
        signature = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(stamp)}
        return request("POST", "/slack/events", body, {**headers, "X-Slack-Signature": f"v0={signature}"})

    def unsigned(body: bytes, **headers: str) -> list[bytes]:
        return [request("POST", "/slack/events", body, {**FORM, **headers})] * count

    help_body = slash_body("help", "U0OPS1")
    forged = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    return {
        "unsigned slash command": unsigned(help_body),
        "timestamp `abc`": unsigned(help_body, **{"X-Slack-Request-Timestamp": "abc"}),
        "unsigned payload=x": unsigned(b"payload=x"),
        "unsigned JSON array": unsigned(b"[1, 2, 3]", **{"Content-Type": "application/json"}),
        "forged signature": unsigned(help_body, **forged),
        "signed, 10 min old": [signed(slash_body("help", "U0OPS1"), now - 600) for _ in range(count)],
        "replayed signed help": [signed(help_body)] * count,
        "2 MB Content-Length": [
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 2000000\r\n\r\n"
        ]
        * count,
        "garbled request line": [b"GARBAGE\r\nHost: bot\r\n\r\n"] * count,
        "signed junk: payload=x": [signed(b"payload=x&n=%d" % i) for i in range(count)],
        "signed junk: JSON array": [
            signed(b"[%d, 2, 3]" % i, content_type="application/json") for i in range(count)
        ],
        "signed help (reference)": [
            request("POST", "/slack/events", b, h) for b, h in slash_requests(secret, count)
        ],
    }


def storm(host: str, port: int, secret: str, count: int, pid: int, log: Path) -> dict[str, dict]:
    """Each kind in turn on one keep-alive connection (a new one when the server closes it)."""
    found = {}
    for kind, payloads in kinds(secret, count).items():
        cpu, lines = serving.cpu_seconds(pid), _lines(log)
        samples, statuses = Samples(), Counter()
        sock = None
        for payload in payloads:
            sock = sock or socket.create_connection((host, port), timeout=5)
            started = time.perf_counter()
            try:
                sock.sendall(payload)
                status, _ = read_response(sock)
            except OSError:
                samples.failed += 1
                status = 0
            samples.ms.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
            if status == 0 or (status >= 400 and status != 401):  # refused by the server, which closes
                sock.close()
                sock = None
        if sock:
            sock.close()
        time.sleep(0.2)  # the log is written as the requests are answered; let it land
        cpu_ms = 1000 * (serving.cpu_seconds(pid) - cpu) / count
        found[kind] = {
            "samples": samples,
            "statuses": statuses,
            "cpu_ms": cpu_ms,
            "log_lines": (_lines(log) - lines) / count,
        }
    return found


def _lines(log: Path) -> int:
    return log.read_bytes().count(b"\n")
