"""Helpers for tests that drive the bot over HTTP: start one against the sandbox (its loops off, so
the test runs due timers, jobs and posts itself with `settle()`), send signed slash commands and
clicks, and read back what it posted to the Slack stand-in."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from bot import config
from bot.app import Bot, RunningServer
from sandbox.platform import Sandbox
from sandbox.slack_sender import SlackSender, action_body


@dataclass(eq=False)
class BotUnderTest:
    server: RunningServer
    sender: SlackSender
    sandbox: Sandbox
    since: int

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def bot(self) -> Bot:
        return self.server.bot

    @property
    def store(self):
        return self.server.bot.store

    @property
    def clock(self):
        return self.server.bot.clock

    def settle(self) -> int:
        return self.server.bot.settle()

    def slash(self, text: str, user: str = "U0OPS1", channel: str = "C0PLATFORM") -> requests.Response:
        url = self.sandbox.slack.new_response_url(channel, user)
        return self.sender.slash(text, user, channel, url)

    def click(self, message: dict, action_id: str, user: str) -> requests.Response:
        """`user` clicks the button `action_id` on `message` (as recorded by the Slack stand-in)."""
        value = next(
            e.get("value", "")
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id
        )
        url = self.sandbox.slack.new_response_url(message["channel"], user)
        return self.sender.post(action_body(action_id, value, user, message["channel"], message, url))

    def rejected(self) -> list[dict]:
        """Calls Slack refused since this bot started (the session's sandbox outlives every test)."""
        return [m for m in self.posted() if not m["ok"]]

    def posted(self, channel: str | None = None) -> list[dict]:
        return self.sandbox.slack.messages(channel=channel, after=self.since)

    def wait_for_posts(
        self,
        count: int = 1,
        channel: str | None = None,
        timeout: float = 15,
        where: Callable[[dict], bool] = lambda m: True,
    ) -> list[dict]:
        """Settle the bot, then the posts that match; `timeout` covers only work waiting on a real
        outside process (a rollout the Kubernetes stand-in is still making)."""
        deadline = time.monotonic() + timeout
        while True:
            self.settle()
            found = [m for m in self.posted(channel) if where(m)]
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(found) >= count, f"expected {count} post(s), saw {self.posted(channel)}"
        return found

    def stop(self) -> None:
        self.server.stop()


def start_bot(sandbox: Sandbox, db: Path, clock=None, background: bool = False, **overrides) -> BotUnderTest:
    document = sandbox.config(db=db)
    document["slack"] = {**document["slack"], "pace_seconds": 0}  # tests about pacing set it back
    for section, values in overrides.items():
        document[section] = {**document.get(section, {}), **values}
    settings = config.Settings.model_validate(document)
    since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
    server = RunningServer(Bot(settings, clock)).start(background)
    running = BotUnderTest(server, SlackSender(server.url, sandbox.signing_secret), sandbox, since)
    if not background:
        _LIVE.add(running)
    return running


def settle_all() -> None:
    """Settle every bot a test started and has not stopped."""
    for running in list(_LIVE):
        if running.server.stopped:
            _LIVE.discard(running)
        else:
            running.settle()


def wait_until(predicate: Callable[[], bool], timeout: float = 30, clock=None) -> None:
    """Settle the running bots, then poll `predicate` until it holds; the timeout covers real outside
    processes (the Kubernetes stand-in rolling a deployment out), never the bot's own timers. A manual
    `clock` moves a second a round, so the outbox's per-channel pacing lets posts out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        settle_all()
        if predicate():
            return
        time.sleep(0.05)
        if clock is not None:
            clock.advance(1)
    raise AssertionError("condition not met in time")


_LIVE: weakref.WeakSet[BotUnderTest] = weakref.WeakSet()  # a stopped bot is not kept alive by it
