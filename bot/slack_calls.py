"""The Slack calls the outbox makes, and what Slack's refusals mean: a post goes out as chat.postMessage
(with metadata naming its outbox row), chat.update, files.upload or a response_url POST; a refusal is
read as rate limited (and for how long), permanent, "not in that channel", or worth another try."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.outbox_lookup import EVENT_TYPE
from bot.state import OutboxItem

# Slack errors that another attempt cannot fix
PERMANENT = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "is_archived",
    "msg_blocks_too_long",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "missing_scope",
    "message_not_found",
    "cant_update_message",
    "channel_not_found",
    "not_in_channel",
    "expired_url",
    "invalid_metadata_format",
}


@dataclass(frozen=True)
class Refusal:
    kind: str  # ratelimited | elsewhere | permanent | retry
    error: str
    retry_after: float = 0.0


def send(client: WebClient, item: OutboxItem, timeout: float) -> dict[str, Any]:
    """Make the call `item` describes; SlackApiError for a refusal, other exceptions for the network."""
    body = item.payload["body"]
    if item.method == "response_url":
        return respond(item.payload["response_url"], body, timeout)
    if item.method == "files.upload":
        content = base64.b64decode(body["content_b64"]) if "content_b64" in body else body["content"]
        response = client.files_upload_v2(
            channel=body.get("channel", item.channel),
            filename=body["filename"],
            title=body["title"],
            content=content,
            thread_ts=body.get("thread_ts"),
        )
        return {"file": (response.get("file") or {}).get("id")}
    if item.method == "chat.postMessage":
        body = {**body, "metadata": {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": item.id}}}
    response = client.api_call(item.method, json=body)
    return {"ts": response.get("ts"), "channel": response.get("channel")}


def respond(url: str | None, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    if not url:
        raise SlackApiError("no response_url", {"ok": False, "error": "expired_url"})
    response = WebhookClient(url, timeout=int(max(timeout, 1))).send_dict(body)
    if response.status_code == 429:
        raise SlackApiError("ratelimited", _Fake429(response.headers))
    if response.status_code >= 500:
        raise ConnectionError(f"response_url answered {response.status_code}")
    if response.status_code != 200:
        raise SlackApiError("response_url refused", {"ok": False, "error": "expired_url"})
    return {"status": response.status_code}


def refusal(exc: SlackApiError, can_answer_elsewhere: bool) -> Refusal:
    response = exc.response
    error = (response.get("error") if hasattr(response, "get") else None) or "unknown_error"
    if getattr(response, "status_code", 200) == 429 or error in ("ratelimited", "rate_limited"):
        return Refusal("ratelimited", error, float(_header(response, "Retry-After") or 1))
    if error in ("not_in_channel", "channel_not_found") and can_answer_elsewhere:
        return Refusal("elsewhere", error)
    return Refusal("permanent" if error in PERMANENT else "retry", error)


class _Fake429(dict):
    """Gives a response_url 429 the shape of a Web API one, so one code path handles both."""

    def __init__(self, headers: dict[str, Any]):
        super().__init__(ok=False, error="ratelimited")
        self.headers = headers
        self.status_code = 429


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None
