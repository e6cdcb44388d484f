"""conversations.history and conversations.replies over the Slack stand-in's stored messages: windowed
by oldest/latest/inclusive, paged by limit and cursor, ordered as Slack orders them, and carrying
message metadata only for callers that pass include_all_metadata."""

from __future__ import annotations

import base64
from typing import Any

from sandbox.slack_checks import Refused, truthy

Key = tuple[int, int]
Stored = dict[tuple[str, str], dict[str, Any]]  # (channel, ts) -> message, in posting order
DEFAULT_LIMIT, MAX_LIMIT = 100, 999


def history(stored: Stored, channel: str, args: dict[str, Any]) -> dict[str, Any]:
    """Top-level messages of a channel, newest first; a thread's replies stay in the thread."""
    messages = [m for (c, _), m in stored.items() if c == channel]
    replies = _replies_by_parent(messages)
    tops = [
        _as_parent(m, replies.get(m["ts"], [])) for m in messages if m.get("thread_ts") in (None, m["ts"])
    ]
    return _page(tops, args, newest_first=True)


def replies(stored: Stored, channel: str, args: dict[str, Any]) -> dict[str, Any]:
    """A thread in order, parent first; `ts` may name the parent or any reply."""
    message = stored.get((channel, str(args.get("ts"))))
    if message is None:
        raise Refused("thread_not_found")
    parent = message.get("thread_ts") or message["ts"]
    thread = [m for (c, _), m in stored.items() if c == channel and parent in (m["ts"], m.get("thread_ts"))]
    answers = [m for m in thread if m["ts"] != parent]
    thread = [_as_parent(m, answers) if m["ts"] == parent else m for m in thread]
    return _page(thread, args, newest_first=False)


def ts_key(ts: Any) -> Key:
    seconds, _, micros = str(ts).partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6] or 0)


def _replies_by_parent(messages: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        if message.get("thread_ts") not in (None, message["ts"]):
            grouped.setdefault(message["thread_ts"], []).append(message)
    return grouped


def _as_parent(message: dict[str, Any], replies: list[dict[str, Any]]) -> dict[str, Any]:
    if not replies:
        return message
    latest = max((r["ts"] for r in replies), key=ts_key)
    return {**message, "thread_ts": message["ts"], "reply_count": len(replies), "latest_reply": latest}


def _page(messages: list[dict[str, Any]], args: dict[str, Any], newest_first: bool) -> dict[str, Any]:
    low, high, inclusive = _bound(args, "oldest"), _bound(args, "latest"), truthy(args.get("inclusive"))
    chosen = [m for m in messages if _within(ts_key(m["ts"]), low, high, inclusive)]
    chosen.sort(key=lambda m: ts_key(m["ts"]), reverse=newest_first)
    if start := _cursor(args.get("cursor")):  # the page begins at the message the cursor names
        chosen = [
            m for m in chosen if (ts_key(m["ts"]) <= start if newest_first else ts_key(m["ts"]) >= start)
        ]
    limit = _limit(args.get("limit"))
    page, rest = chosen[:limit], chosen[limit:]
    metadata = truthy(args.get("include_all_metadata"))
    body: dict[str, Any] = {
        "ok": True,
        "messages": [_shown(m, metadata) for m in page],
        "has_more": bool(rest),
    }
    if rest:
        body["response_metadata"] = {"next_cursor": _encode_cursor(rest[0]["ts"])}
    return body


def _within(key: Key, low: Key | None, high: Key | None, inclusive: bool) -> bool:
    if inclusive:
        return (low is None or key >= low) and (high is None or key <= high)
    return (low is None or key > low) and (high is None or key < high)


def _bound(args: dict[str, Any], name: str) -> Key | None:
    value = args.get(name)
    if value in (None, "", "0", 0):
        return None
    try:
        return ts_key(value)
    except ValueError:
        raise Refused(f"invalid_ts_{name}") from None


def _limit(value: Any) -> int:
    try:
        limit = int(value or DEFAULT_LIMIT)
    except ValueError:
        raise Refused("invalid_limit") from None
    return max(1, min(limit, MAX_LIMIT))


def _cursor(cursor: Any) -> Key | None:
    if not cursor:
        return None
    try:
        return ts_key(base64.b64decode(str(cursor)).decode().removeprefix("next_ts:"))
    except ValueError:
        raise Refused("invalid_cursor") from None


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _shown(message: dict[str, Any], metadata: bool) -> dict[str, Any]:
    return message if metadata else {k: v for k, v in message.items() if k != "metadata"}
