"""Did a post whose answer we never saw reach Slack? Every chat.postMessage carries metadata naming its
outbox row; this reads the channel (or the thread) back with include_all_metadata and finds it."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.state import OutboxItem

EVENT_TYPE = "llmbot_post"
NEWEST = 200  # a channel takes about one post a second: a post that timed out is among its newest


def find_posted(
    client: WebClient, item: OutboxItem, parent: tuple[str, str] | None, channel_id: str | None = None
) -> dict[str, Any] | None:
    """{"ts", "channel"} of the message posted for `item`, or None when Slack does not have it. Reading a
    channel back needs its id: a channel configured by name is found by the id Slack answered with."""
    channel = (parent[0] if parent else None) or channel_id or item.channel
    if parent is not None:
        response = client.conversations_replies(
            channel=channel, ts=parent[1], include_all_metadata=True, limit=NEWEST
        )
    else:
        response = client.conversations_history(channel=channel, include_all_metadata=True, limit=NEWEST)
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == EVENT_TYPE
            and (metadata.get("event_payload") or {}).get("outbox_id") == item.id
        ):
            return {"ts": message["ts"], "channel": response.get("channel") or channel}
    return None
