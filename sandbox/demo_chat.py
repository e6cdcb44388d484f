"""The demo's terminal chat, in the spirit of Hubot's shell adapter: what a person types reaches the bot
signed, as Slack would send it; what the bot posts comes back from the Slack stand-in as text. The
current channel's messages print in full, other channels' as one line until you switch there."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

import requests

from sandbox import blocktext
from sandbox.demo_view import View
from sandbox.platform import Sandbox
from sandbox.slack_sender import CHANNEL_NAMES, SlackSender, action_payload

QUIET_SECONDS = 0.3  # once the bot is idle, how long nothing new must arrive before the prompt returns
PATIENCE_SECONDS = 15.0  # a change being applied keeps posting; after this the prompt returns anyway


class Chat:
    """`busy()` says whether the bot still has work in hand (due timers, jobs, queued posts)."""

    def __init__(
        self,
        sandbox: Sandbox,
        sender: SlackSender,
        user: str,
        files: Path,
        busy: Callable[[], bool] = lambda: False,
        out=sys.stdout,
    ):
        self.sandbox, self.sender, self.user, self.out = sandbox, sender, user, out
        self.busy = busy
        self.channel = "C0PLATFORM"
        self.buttons: list[blocktext.Button] = []
        self.view = View(sandbox.slack, files)
        self.meta: Callable[[list[str]], None] = lambda words: self.print("(no : commands here)")

    @property
    def seen(self) -> int:
        return self.view.seen

    @seen.setter
    def seen(self, seq: int) -> None:
        self.view.seen = seq

    def say(self, line: str) -> None:
        line = line.strip()
        if not line:  # Enter: what came since (a rollout, an alert, a timer)
            return self.follow()
        if line.startswith(":"):
            return self.meta(line[1:].split())
        if line.isdigit():
            return self.click(int(line))
        if not line.startswith("/llm"):
            return self.print("(only /llm commands reach the bot; :help for more)")
        url = self.sandbox.slack.new_response_url(self.channel, self.user)
        self._show_ack(self.sender.slash(line.removeprefix("/llm").strip(), self.user, self.channel, url))
        self.follow()

    def click(self, number: int) -> None:
        """Click button `number`, or toggle checkbox `number`, as the current user."""
        button = next((b for b in self.buttons if b.number == number), None)
        if button is None:
            return self.print(f"no button or checkbox {number}")
        message = self.view.latest(button.channel, button.message)
        url = self.sandbox.slack.new_response_url(button.channel, self.user)
        payload = action_payload(button.action_id, button.value, self.user, button.channel, message, url)
        if button.option is not None:
            payload["actions"][0] = _toggled(button, message)
        self._show_ack(self.sender.post(urlencode({"payload": json.dumps(payload)}).encode()))
        self.follow()

    def switch(self, channel: str) -> None:
        """Look at `channel`: what came there since you last looked prints in full."""
        self.channel = channel
        self.print(f"(now in #{CHANNEL_NAMES.get(channel, channel)})")
        for message in self.view.take_unread(channel):
            self._show(message)

    def follow(self, patience: float = PATIENCE_SECONDS) -> None:
        """Print what the bot posts while it works, and return once it is idle and quiet."""
        deadline, last_news = time.monotonic() + patience, time.monotonic()
        while True:
            if self._print_new():
                last_news = time.monotonic()
            elif not self.busy() and time.monotonic() - last_news >= QUIET_SECONDS:
                return
            if time.monotonic() > deadline:
                return self.print("(the bot is still working; press Enter to see what it posts)")
            time.sleep(0.05)

    def wait_for(self, channel: str, seconds: float) -> bool:
        """Print what comes until something new arrives in `channel` (an alert travelling from
        Prometheus through Alertmanager); False if nothing did in time."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(m["channel"] == channel for m in self._print_new()):
                self.follow()
                return True
            time.sleep(0.2)
        return False

    def _print_new(self) -> list[dict]:
        fresh = self.view.fresh()
        for message in fresh:
            self._show(message)
        return fresh

    def _show(self, message: dict) -> None:
        shown = self.view.show(message, self.user, self.channel, self.buttons)
        for line in shown:
            self.print(line)

    def _show_ack(self, response: requests.Response) -> None:
        if response.status_code != 200:
            return self.print(f"(HTTP {response.status_code}) {response.text[:200]}")
        if response.text.strip():
            json_body = response.headers.get("content-type", "").startswith("application/json")
            body = response.json() if json_body else {"text": response.text}
            self.print("(only you) bot:")
            for line in blocktext.render(body, self.channel, self.buttons, "  "):
                self.print(line)

    def print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _toggled(box: blocktext.Button, message: dict) -> dict:
    """A click on one checkbox, as Slack sends it: the whole new selection of that group."""
    before = _initial_options(message, box.action_id, box.block_id)
    was_ticked = any(o.get("value") == box.value for o in before)
    selected = [o for o in before if o.get("value") != box.value] + ([] if was_ticked else [box.option])
    return {
        "type": "checkboxes",
        "action_id": box.action_id,
        "block_id": box.block_id,
        "selected_options": selected,
        "action_ts": f"{time.time():.6f}",
    }


def _initial_options(message: dict, action_id: str, block_id: str) -> list[dict]:
    for block in message.get("blocks") or []:
        if block.get("block_id", "") != block_id:
            continue
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return list(element.get("initial_options") or [])
    return []
