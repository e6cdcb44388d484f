"""Distinct signed Slack requests for the benchmarks, built before the load starts: each `/llm TEXT`
body differs in its trigger_id (as Slack's do), so each carries its own signature and none is a replay;
timestamps are taken when the batch is built, so build a batch right before it is sent."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time

from sandbox.slack_sender import slash_body

_serial = itertools.count(1)  # distinct across every batch of one process, so no two bodies repeat


def slash_requests(
    secret: str, count: int, text: str = "help", user: str = "U0OPS1", response_url: str = ""
) -> list[tuple[bytes, dict[str, str]]]:
    """`count` signed `/llm TEXT` requests as (body, headers), each with its own trigger_id."""
    template = slash_body(text, user, "C0PLATFORM", response_url)
    head, _, tail = template.partition(b"trigger_id=")
    tail = tail.partition(b"&")[2]
    head += b"trigger_id="
    tail = (b"&" + tail) if tail else b""
    stamp = str(int(time.time()))
    key, prefix = secret.encode(), f"v0:{stamp}:".encode()
    batch = []
    for serial in itertools.islice(_serial, count):
        body = head + f"{stamp}.{serial}.bench".encode() + tail
        signature = "v0=" + hmac.new(key, prefix + body, hashlib.sha256).hexdigest()
        batch.append(
            (
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": signature,
                },
            )
        )
    return batch
