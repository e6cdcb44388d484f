"""`llmbot demo`: the sandbox, `llmbot serve` against it, and a terminal chat in the spirit of
Hubot's shell adapter. What you type goes to the bot signed, over HTTP, as Slack would send it; what
the bot posts comes back from the Slack stand-in, rendered as text. Ctrl-D stops everything."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

from sandbox import blocktext
from sandbox.platform import Sandbox
from sandbox.slack_sender import SlackSender, action_body

HELP = """Type a slash command as you would in Slack, e.g. /llm status or /llm help.
  :user U0VIEW       type as another user (U0OPS1 and U0OPS2 are approvers, U0VIEW a viewer)
  :channel C0INCIDENT   move to #incident-response (C0PLATFORM is #llm-platform)
  :click N           click button N
  Enter              show what the bot posted since (long changes keep reporting)
  :help              this text;  Ctrl-D quits"""


class Chat:
    def __init__(self, sandbox: Sandbox, sender: SlackSender, user: str, out=sys.stdout):
        self.sandbox, self.sender, self.user, self.out = sandbox, sender, user, out
        self.channel = "C0PLATFORM"
        self.buttons: list[blocktext.Button] = []
        self.seen = 0
        self.threads: dict[str, str] = {}

    def say(self, line: str) -> None:
        line = line.strip()
        if not line:  # an empty line shows what the bot posted since (a rollout keeps posting)
            return self.follow(seconds=2.0)
        if line.startswith(":"):
            return self._meta(line[1:].split())
        if not line.startswith("/llm"):
            return self._print("(only /llm commands reach the bot; :help for more)")
        url = self.sandbox.slack.new_response_url(self.channel, self.user)
        response = self.sender.slash(line.removeprefix("/llm").strip(), self.user, self.channel, url)
        self._show_ack(response)
        self.follow()

    def click(self, number: int) -> None:
        button = next((b for b in self.buttons if b.number == number), None)
        if button is None:
            return self._print(f"no button {number}")
        url = self.sandbox.slack.new_response_url(button.channel, self.user)
        body = action_body(button.action_id, button.value, self.user, button.channel, button.message, url)
        self._show_ack(self.sender.post(body))
        self.follow()

    def follow(self, seconds: float = 6.0) -> None:
        """Print what the bot posts until it has been quiet for a moment."""
        deadline, quiet_since = time.monotonic() + seconds, None
        while time.monotonic() < deadline:
            fresh = self.sandbox.slack.messages(after=self.seen)
            for message in fresh:
                self._show(message)
            if fresh:
                quiet_since = time.monotonic()
            elif quiet_since and time.monotonic() - quiet_since > 1.0:
                return
            time.sleep(0.1)

    def _meta(self, words: list[str]) -> None:
        if words[:1] == ["user"] and len(words) == 2:
            self.user = words[1]
        elif words[:1] == ["channel"] and len(words) == 2:
            self.channel = words[1]
        elif words[:1] == ["click"] and len(words) == 2 and words[1].isdigit():
            self.click(int(words[1]))
        else:
            self._print(HELP)

    def _show_ack(self, response: requests.Response) -> None:
        if response.status_code != 200:
            return self._print(f"(HTTP {response.status_code}) {response.text[:200]}")
        if response.text.strip():
            body = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else {"text": response.text}
            )
            self._print_message("(only you) bot", body, self.channel)

    def _show(self, message: dict) -> None:
        self.seen = max(self.seen, message["seq"])
        if not message.get("ok", True):
            return
        kind = message.get("kind")
        who = {"update": "bot (edited)", "ephemeral": "(only you) bot", "file": "bot (file)"}.get(kind, "bot")
        if kind == "response_url" and message.get("response_type") != "in_channel":
            who = "(only you) bot"
        indent = "    " if message.get("thread_ts") else ""
        self._print_message(who, message, message.get("channel") or self.channel, indent)

    def _print_message(self, who: str, message: dict, channel: str, indent: str = "") -> None:
        self._print(f"{indent}{who}:")
        for line in blocktext.render(message, channel, self.buttons, indent + "  "):
            self._print(line)

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def run(user: str = "U0OPS1") -> int:
    with tempfile.TemporaryDirectory(prefix="llmbot-demo-") as tmp, Sandbox() as sandbox:
        config = Path(tmp) / "config.yaml"
        sandbox.write_config(config, db=Path(tmp) / "llmbot.db")
        port = yaml.safe_load(config.read_text())["server"]["port"]
        log = open(Path(tmp) / "bot.log", "w")
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(config), "serve"],
            stdout=log,
            stderr=log,
            env=dict(os.environ),
        )
        try:
            _wait_ready(f"http://127.0.0.1:{port}", bot)
            chat = Chat(sandbox, SlackSender(f"http://127.0.0.1:{port}", sandbox.signing_secret), user)
            print(f"llmbot demo: sandbox and bot are up (bot log: {log.name}).\n{HELP}\n")
            _repl(chat)
        finally:
            bot.terminate()
            bot.wait(timeout=10)
    return 0


def _repl(chat: Chat) -> None:
    while True:
        try:
            line = input(f"{chat.user} #{chat.channel}> ")
        except EOFError:
            print()
            return
        chat.say(line)


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("llmbot serve exited during start-up; see the bot log")
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit("llmbot serve did not become ready in time")
