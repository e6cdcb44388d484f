"""Slack's request signature, checked on the raw bytes before anything parses the body or the
timestamp: HMAC-SHA256 over "v0:<timestamp>:<body>" with the signing secret, compared in constant
time; then the timestamp must be plain digits within five minutes of now. A signature seen before
within the window is a replay, answered without acting (remembered in the store, so a restart does
not forget it)."""

from __future__ import annotations

import hashlib
import hmac

WINDOW_SECONDS = 300
MAX_HEADER = 128


def problem(secret: str, timestamp: str, signature: str, body: bytes, now: float) -> str:
    """'' when the request is Slack's and fresh; otherwise the reason it is refused (for logs and metrics)."""
    if not timestamp or not signature or len(timestamp) > MAX_HEADER or len(signature) > MAX_HEADER:
        return "unsigned"
    base = b"v0:" + timestamp.encode("utf-8", "replace") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "bad_signature"
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > WINDOW_SECONDS:
        return "stale_timestamp"
    return ""
