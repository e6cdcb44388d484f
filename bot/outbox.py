"""Delivers queued Slack posts. Each channel is a queue served at Slack's pace (one message a second,
429 Retry-After honoured), channels take turns, and inside a channel pages and answers to people go
before thread details. Edits of one message send only their newest version; replies wait for the
message they belong to. A post is marked "sending" before the call and carries metadata naming its
row, so after a timeout or a crash it is looked up in Slack before it is ever sent again; while Slack
cannot answer that lookup either, the post stays "unsure" and is never resent blindly."""

from __future__ import annotations

import logging
import socket
import threading
import urllib.error
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import crash, slack_calls
from bot.metrics import Metrics
from bot.outbox_lookup import find_posted
from bot.state import OutboxItem, Store
from bot.state.outbox import UNPACED_LANE as UNPACED

log = logging.getLogger(__name__)


MAX_BACKOFF_SECONDS = 300.0


class Outbox:
    def __init__(
        self,
        store: Store,
        client: WebClient,
        metrics: Metrics,
        clock,
        pace_seconds: float = 1.0,
        senders: int = 4,
        timeout: float = 5.0,
    ):
        self._store, self._client, self._metrics, self._clock = store, client, metrics, clock
        self._pace, self._timeout = pace_seconds, timeout
        self._next_slot: dict[str, float] = {}  # channel -> earliest time its next paced post may go
        self._channel_ids: dict[str, str] = {}  # a channel configured by name -> the id Slack answered with
        self._in_flight: set[str] = set()
        self._turn = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=senders, thread_name_prefix="outbox")
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)

    def start(self) -> None:
        self.recover()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def poke(self, *_ignored) -> None:
        """Something was queued: look now rather than at the next tick."""
        self._wake.set()

    def recover(self) -> None:
        """Posts a crash left 'sending' may have reached Slack: find them there, or queue them again."""
        for item in self._store.ambiguous_posts():
            self._settle_ambiguous(item, "the bot stopped while sending")

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep(self._pool.submit)
            except Exception:  # the only dispatcher must outlive a bad row or a store hiccup
                log.exception("outbox sweep failed")
            self._wake.wait(timeout=0.2)
            self._wake.clear()

    def deliver_due(self) -> int:
        """Send every post that may go now, in this thread (tests, settle); returns how many were sent."""
        sent = 0
        while (batch := self.sweep(lambda work, item: work(item))) > 0:
            sent += batch
        return sent

    def sweep(self, run) -> int:
        """One turn for every channel with a due post whose pace allows it; returns how many went."""
        now, sent = self._clock.time(), 0
        channels = self._store.due_channels(now)
        with self._lock:
            self._turn = (self._turn + 1) % max(len(channels), 1)
        for channel in channels[self._turn :] + channels[: self._turn]:
            item = self._next_for(channel, now)
            if item is not None:
                result = run(self._deliver, item)
                sent += result if isinstance(result, int) else 1
        return sent

    def _next_for(self, channel: str, now: float) -> OutboxItem | None:
        with self._lock:
            if channel in self._in_flight or (channel != UNPACED and now < self._next_slot.get(channel, 0.0)):
                return None
        for item in self._store.due_in_channel(channel, now):
            if item.method == "chat.update" and self._store.stale_update(item):
                self._store.fail_post(item.id, "superseded by a later edit", state="superseded")
                continue
            if self._resolve_keys(item):
                with self._lock:
                    self._in_flight.add(channel)
                return item
        return None

    def _deliver(self, item: OutboxItem) -> int:
        lane = lane_of(item)
        try:
            return self._send_once(item)
        finally:
            with self._lock:
                self._in_flight.discard(lane)
                if lane != UNPACED:
                    self._next_slot[lane] = max(
                        self._next_slot.get(lane, 0.0), self._clock.time() + self._pace
                    )
            self._wake.set()

    def _send_once(self, item: OutboxItem) -> int:
        if item.state == "unsure" and self._settle_ambiguous(item, "an earlier send got no answer"):
            return 0  # found in Slack, or Slack still not answering: nothing to send now
        if not self._store.mark_sending(item.id):
            return 0
        crash.point("outbox.before_send")
        try:
            result = slack_calls.send(self._client, item, self._timeout)
        except SlackApiError as exc:
            return self._failed(item, exc)
        except Exception as exc:
            if _never_reached(exc):
                self._retry(item, f"{type(exc).__name__}: Slack was not reached")
            else:  # a timeout or a connection lost mid-call: Slack may have taken it
                self._settle_ambiguous(item, type(exc).__name__)
            return 0
        crash.point("outbox.after_send")
        if result.get("channel"):
            self._channel_ids[item.channel] = result["channel"]
        self._store.mark_sent(item.id, self._clock.time(), result)
        self._metrics.outbox.labels("sent").inc()
        return 1

    def _settle_ambiguous(self, item: OutboxItem, why: str) -> bool:
        """A post whose answer never came: look for it in Slack. Found: it is sent. Slack not answering
        the lookup either: it stays unsure and is looked up again later, never resent blindly. Not
        there, or Slack refuses to be read back: it is queued again (True only when it is settled or left
        unsure, not when queued)."""
        if item.method == "chat.postMessage":
            try:
                parent = self._store.message(item.thread_key) if item.thread_key else None
                found = find_posted(self._client, item, parent, self._channel_ids.get(item.channel))
            except SlackApiError as exc:
                if slack_calls.refusal(exc, False).kind != "permanent":  # 429, 5xx: ask again later
                    return self._unsure(item, why, exc.response.get("error") or "error")
                # Slack will never let us read it back (a channel by name, a missing scope): send again
                log.warning(
                    "cannot look up an ambiguous post; sending it again",
                    extra={"outbox_id": item.id, "error": exc.response.get("error")},
                )
                found = None
            except Exception as exc:
                return self._unsure(item, why, type(exc).__name__)
            if found is not None:
                log.info("an ambiguous post had reached Slack", extra={"outbox_id": item.id})
                self._store.mark_sent(item.id, self._clock.time(), found)
                self._metrics.outbox.labels("found").inc()
                return True
            if item.state == "unsure":
                return False  # not there: the caller sends it now
        self._retry(item, f"{why}; not found in Slack, sending again")
        return False

    def _unsure(self, item: OutboxItem, why: str, error: str) -> bool:
        log.info("could not look up an ambiguous post", extra={"outbox_id": item.id, "error": error})
        self._retry(item, f"{why}; Slack has not said whether it took it", unsure=True)
        return True

    def _resolve_keys(self, item: OutboxItem) -> bool:
        """Fill in the ts of the message this post edits or replies to; False while it is unknown."""
        body = item.payload["body"]
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
        """The message it belongs to is still queued: wait (it goes first); never posted: give up."""
        if self._store.key_state(key) not in ("pending", "sending", "unsure"):
            self._store.fail_post(item.id, f"message {key} was never posted")
        return False

    def _failed(self, item: OutboxItem, exc: SlackApiError) -> int:
        said = slack_calls.refusal(exc, bool(item.payload.get("response_url")))
        if said.kind == "ratelimited":
            with self._lock:
                self._next_slot[item.channel] = self._clock.time() + said.retry_after
            self._store.defer_post(item.id, self._clock.time() + said.retry_after, "ratelimited")
            self._metrics.outbox.labels("ratelimited").inc()
            return 0
        if said.kind == "elsewhere":
            return self._via_response_url(item, said.error)
        if said.kind == "permanent":
            log.error("slack refused a post for good", extra={"outbox_id": item.id, "error": said.error})
            self._store.fail_post(item.id, said.error)
            self._metrics.outbox.labels("failed").inc()
            return 0
        self._retry(item, said.error)
        return 0

    def _via_response_url(self, item: OutboxItem, error: str) -> int:
        """The bot is not in that channel: answer through the command's response_url instead."""
        body = dict(item.payload["body"], response_type="in_channel", replace_original=False)
        body.pop("channel", None)
        log.warning("bot not in channel; answering through response_url", extra={"error": error})
        try:
            result = slack_calls.respond(item.payload["response_url"], body, self._timeout)
        except Exception as exc:  # the last way to answer failed too
            self._store.fail_post(item.id, f"{error}; response_url: {type(exc).__name__}")
            return 0
        self._store.mark_sent(item.id, self._clock.time(), result)
        return 1

    def _retry(self, item: OutboxItem, error: str, unsure: bool = False) -> None:
        delay = min(2**item.attempts, MAX_BACKOFF_SECONDS)
        self._store.defer_post(item.id, self._clock.time() + delay, error, unsure=unsure)
        self._metrics.outbox.labels("retry").inc()


def _never_reached(exc: Exception) -> bool:
    """The connection was refused or the name did not resolve: nothing was sent, so nothing can be
    in Slack and a plain retry is safe."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


def lane_of(item: OutboxItem) -> str:
    return UNPACED if item.method == "response_url" else item.channel
