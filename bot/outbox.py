"""Delivers queued Slack posts: one sender thread, Slack's pace of one message per second per
channel, 429 Retry-After honoured, transient failures retried with backoff. A post leaves the queue
only when Slack took it or refused it for good, so a crash or an alert storm delays posts, never drops them."""

from __future__ import annotations

import base64
import logging
import threading
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.clock import SystemClock
from bot.metrics import Metrics
from bot.state import OutboxItem, Store

log = logging.getLogger(__name__)

CHANNEL_PACE_SECONDS = 1.0
PACED = ("chat.postMessage", "files.upload")  # chat.update has its own, looser tier
PARENT_WAIT_ATTEMPTS = 600  # a reply waits up to ~5 minutes for the message it belongs to
MAX_BACKOFF_SECONDS = 300.0
# Slack errors that another attempt cannot fix
_PERMANENT = {
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
}


class Outbox:
    def __init__(self, store: Store, client: WebClient, metrics: Metrics, clock=None, timeout: float = 5.0):
        self._store, self._client, self._metrics = store, client, metrics
        self._clock = clock or SystemClock()
        self._timeout = timeout
        self._last_post: dict[str, float] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def poke(self) -> None:
        """Something was queued: look now rather than at the next tick."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # the only sender must outlive a bad row or a store hiccup
                log.exception("outbox sweep failed")
            self._wake.wait(timeout=0.2)
            self._wake.clear()

    def deliver_due(self) -> int:
        """Send every post that is due and may go now; returns how many were sent."""
        sent = 0
        for item in self._store.due_posts(self._clock.time()):
            sent += self._deliver(item)
        return sent

    def _deliver(self, item: OutboxItem) -> int:
        now = self._clock.time()
        paced_until = self._last_post.get(item.channel, 0.0) + CHANNEL_PACE_SECONDS
        if item.method in PACED and now < paced_until:
            self._store.defer_post(item.id, paced_until, "paced", count_attempt=False)
            return 0
        if not self._resolve_keys(item):
            return 0
        try:
            result = self._send(item)
        except SlackApiError as exc:
            return self._failed(item, exc)
        except Exception as exc:  # network: the post waits and tries again
            self._retry(item, f"{type(exc).__name__}")
            return 0
        if item.method in PACED:
            self._last_post[item.channel] = now
        self._store.mark_sent(item.id, self._clock.time(), result)
        self._metrics.outbox.labels("sent").inc()
        return 1

    def _resolve_keys(self, item: OutboxItem) -> bool:
        """Fill in the ts of the message this post edits or replies to; False while it is unknown."""
        body = item.payload["body"]
        if item.method == "chat.update" and self._store.newer_update_pending(item):
            self._store.fail_post(item.id, "superseded by a later edit", state="superseded")
            return False
        for field, key in (
            ("ts", item.key if item.method == "chat.update" else None),
            ("thread_ts", item.thread_key),
        ):
            if not key:
                continue
            found = self._store.message(key)
            if found is None:
                return self._wait_for_parent(item, key)
            body["channel"], body[field] = found
        return True

    def _wait_for_parent(self, item: OutboxItem, key: str) -> bool:
        if self._store.key_failed(key) or item.attempts >= PARENT_WAIT_ATTEMPTS:
            self._store.fail_post(item.id, f"message {key} was never posted")
            return False
        self._store.defer_post(item.id, self._clock.time() + 0.5, f"waiting for {key}")
        return False

    def _send(self, item: OutboxItem) -> dict[str, Any]:
        body = item.payload["body"]
        if item.method == "response_url":
            return self._respond(item.payload["response_url"], body)
        if item.method == "files.upload":
            content = base64.b64decode(body["content_b64"]) if "content_b64" in body else body["content"]
            response = self._client.files_upload_v2(
                channel=body.get("channel", item.channel),
                filename=body["filename"],
                title=body["title"],
                content=content,
                thread_ts=body.get("thread_ts"),
            )
            return {"file": (response.get("file") or {}).get("id")}
        response = self._client.api_call(item.method, json=body)
        return {"ts": response.get("ts"), "channel": response.get("channel")}

    def _respond(self, url: str | None, body: dict[str, Any]) -> dict[str, Any]:
        if not url:
            raise SlackApiError("no response_url", {"ok": False, "error": "expired_url"})
        response = WebhookClient(url, timeout=int(self._timeout)).send_dict(body)
        if response.status_code == 429:
            raise SlackApiError("ratelimited", _Fake429(response.headers))
        if response.status_code >= 500:
            raise ConnectionError(f"response_url answered {response.status_code}")
        if response.status_code != 200:
            raise SlackApiError("response_url refused", {"ok": False, "error": "expired_url"})
        return {"status": response.status_code}

    def _failed(self, item: OutboxItem, exc: SlackApiError) -> int:
        response = exc.response
        error = (response.get("error") if hasattr(response, "get") else None) or "unknown_error"
        status = getattr(response, "status_code", 200)
        if status == 429 or error in ("ratelimited", "rate_limited"):
            retry_after = float(_header(response, "Retry-After") or 1)
            self._store.defer_post(item.id, self._clock.time() + retry_after, "ratelimited")
            self._metrics.outbox.labels("ratelimited").inc()
            return 0
        if error in ("not_in_channel", "channel_not_found") and item.payload.get("response_url"):
            return self._via_response_url(item, error)
        if error in _PERMANENT:
            log.error("slack refused a post for good", extra={"outbox_id": item.id, "error": error})
            self._store.fail_post(item.id, error)
            self._metrics.outbox.labels("failed").inc()
            return 0
        self._retry(item, error)
        return 0

    def _via_response_url(self, item: OutboxItem, error: str) -> int:
        """The bot is not in that channel: answer through the command's response_url instead."""
        body = dict(item.payload["body"], response_type="in_channel", replace_original=False)
        body.pop("channel", None)
        log.warning("bot not in channel; answering through response_url", extra={"error": error})
        rerouted = OutboxItem(
            **{
                **item.model_dump(),
                "method": "response_url",
                "payload": {"body": body, "response_url": item.payload["response_url"]},
            }
        )
        return self._deliver(rerouted)

    def _retry(self, item: OutboxItem, error: str) -> None:
        delay = min(2**item.attempts, MAX_BACKOFF_SECONDS)
        self._store.defer_post(item.id, self._clock.time() + delay, error)
        self._metrics.outbox.labels("retry").inc()


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
