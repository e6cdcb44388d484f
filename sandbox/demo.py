"""`llmbot demo`: the sandbox, the bot running in this process on a clock the chat can move
(`:advance 15m`), and a terminal chat (sandbox.demo_chat). What you type reaches the bot signed, over
HTTP, as Slack would send it; Alertmanager and PagerDuty reach it the same way. Ctrl-D stops it all."""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import requests

from bot import config, logs
from bot.app import Bot, RunningServer
from bot.clock import OffsetClock
from commands.canary_analysis import analyse
from integrations.errors import IntegrationError
from sandbox.demo_chat import Chat
from sandbox.demo_meta import HELP, Commands, Levers
from sandbox.demo_tour import Tour
from sandbox.platform import Sandbox
from sandbox.slack_sender import SlackSender

# Slack allows about one message a second per channel, and the bot keeps to that in production; the
# demo sends five a second so an incident's root, checklist and replies arrive together.
PACE_SECONDS = 0.2
# `:advance` stops at each timer on the way for at most this long; after that (a running canary's
# minutely refresh over a whole day) the rest fire together, late, as after a restart
STEPPING_SECONDS = 5.0
FILES = Path("demo-files")


class Demo:
    """The bot against `sandbox`, in this process, with the chat wired to both. `overrides` are config
    sections merged over the sandbox's (tests shorten the canary's window, say)."""

    def __init__(
        self,
        sandbox: Sandbox,
        workdir: Path,
        files: Path = FILES,
        user: str = "U0OPS1",
        out=sys.stdout,
        ask: Callable[[str], str] = input,
        **overrides: dict,
    ):
        self.sandbox, self.clock = sandbox, OffsetClock()
        quiet_pagerduty(sandbox)
        self.server = RunningServer(Bot(settings(sandbox, workdir, overrides), self.clock)).start()
        sandbox.route_alerts_to(self.server.url)
        sender = SlackSender(self.server.url, sandbox.signing_secret)
        self.chat = Chat(sandbox, sender, user, files, busy=self.busy, out=out)
        self.chat.seen = max([m["seq"] for m in sandbox.slack.messages()] or [0])
        tour = Tour(self.chat, ask, self.verdict)
        self.chat.meta = Commands(self.chat, Levers(sandbox, self.advance, self.server.url, tour.run))

    @property
    def bot(self) -> Bot:
        return self.server.bot

    def advance(self, seconds: float) -> None:
        """Move the bot's clock on `seconds`, stopping at each timer due on the way until it has fired,
        so each fires on time, in turn, as if the time had passed (not "late: the bot was down")."""
        target, store = self.clock.time() + seconds, self.bot.store
        budget = time.monotonic() + STEPPING_SECONDS
        while time.monotonic() < budget:
            due = store.next_due()
            if due is None or due > target:
                break
            self.clock.advance(max(due - self.clock.time(), 0.0))
            self._fire_due()
        self.clock.advance(max(target - self.clock.time(), 0.0))
        self._fire_due()

    def _fire_due(self, patience: float = 10.0) -> None:
        """Wake the scheduler and wait (a little) until what came due is done: the jobs it started
        would have had the skipped time to finish."""
        self.bot.scheduler.poke()
        deadline = time.monotonic() + patience
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.01)

    def busy(self) -> bool:
        """Work in hand: a timer due, a job waiting or running, a post not yet delivered."""
        store = self.bot.store
        due = store.due_timers(self.clock.time(), limit=1)
        return bool(due or store.jobs("pending") or store.jobs("running") or store.pending_count())

    def verdict(self) -> tuple[str, list[str]]:
        try:
            analysis = analyse(self.bot.deps.prom, self.bot.deps.canary)
        except IntegrationError as exc:
            return "unknown", [exc.message]
        return analysis.verdict, analysis.reasons

    def stop(self) -> None:
        self.server.stop()


def settings(sandbox: Sandbox, workdir: Path, overrides: dict) -> config.Settings:
    document = sandbox.config(db=workdir / "llmbot.db")
    document["slack"] = {**document["slack"], "pace_seconds": PACE_SECONDS}
    for section, values in overrides.items():
        document[section] = {**document.get(section, {}), **values}
    return config.Settings.model_validate(document)


def quiet_pagerduty(sandbox: Sandbox) -> None:
    """The sandbox's PagerDuty opens with incidents the bot never heard of: resolve them, so the demo
    starts quiet and `/llm incident list` agrees with PagerDuty from the first page on."""
    pd = sandbox.pagerduty
    headers = {"Authorization": "Token token=sandbox-pagerduty-token", "From": "ops1@example.com"}
    listed = requests.get(
        f"{pd.url}/incidents",
        params={"statuses[]": ["triggered", "acknowledged"]},
        headers=headers,
        verify=pd.ca_file,
        timeout=5,
    )
    for incident in listed.json()["incidents"]:
        change = {"incident": {"type": "incident_reference", "status": "resolved"}}
        url = f"{pd.url}/incidents/{incident['id']}"
        requests.put(url, json=change, headers=headers, verify=pd.ca_file, timeout=5).raise_for_status()


def run(user: str = "U0OPS1") -> int:
    files = FILES.resolve()
    with tempfile.TemporaryDirectory(prefix="llmbot-demo-") as tmp:
        log = Path(tmp) / "bot.log"
        # the log file outlives the sandbox: its servers log while they stop
        with log.open("w") as stream, Sandbox() as sandbox:
            logs.configure([], level=logging.INFO, stream=stream)  # the chat stays readable
            demo = Demo(sandbox, Path(tmp), files, user)
            try:
                print(
                    f"llmbot demo: sandbox and bot are up (bot log: {log}; files the bot uploads: {files}/)."
                )
                print(f"{HELP}\n")
                repl(demo.chat)
            finally:
                demo.stop()
        logging.getLogger().handlers.clear()  # a daemon thread's last line must not hit a closed file
    return 0


def repl(chat: Chat) -> None:
    while True:
        try:
            line = input(f"{chat.user} #{chat.channel}> ")
        except EOFError:
            print()
            return
        chat.say(line)
