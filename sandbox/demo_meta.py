"""The demo chat's `:` commands: who you are and where you look, clicks, the bot's clock, and the
sandbox's levers (a PagerDuty page, a bad canary, a firing alert, a broken deployment) that make the
bot's headline features happen without reading any code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import requests

from sandbox import pagerduty_sender
from sandbox.demo_chat import Chat
from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS, Sandbox
from sandbox.slack_sender import CHANNEL_NAMES

HELP = """Type a slash command as you would in Slack, e.g. /llm status or /llm help.
  :user U0OPS2            type as another user (U0OPS1 and U0OPS2 approve, U0VIEW only views)
  :channel C0INCIDENT     look and type in #incident-response (C0PLATFORM #llm-platform,
                          C0ALERTS #llm-platform-alerts); other channels' news shows as one line
  N  or  :click N         click button [N], or tick/untick checkbox (N)
  Enter                   show what the bot posted since (changes and timers keep posting)
  :advance 15m            move the bot's clock on (30s, 2h, 1d): escalations, expiries, reminders
  :page P1 [title]        PagerDuty pages (P0-P3): the incident thread, checklist and escalation
  :canary bad|good        the running canary starts failing and slowing down (or recovers)
  :alert VLLMHighErrorRate | :alert off   10% of requests fail: Prometheus → Alertmanager → bot
  :break rag-service oom|crashloop|imagepull | :fix rag-service   the watch posts what Kubernetes sees
  :tour                   a guided walk: status, a canary with approval, an incident, maintenance
  :help                   this text;  Ctrl-D quits"""
DEFAULT_PAGES = {  # priority: (title, service)
    "P0": ("vLLM Inference down: every request fails", "vLLM Inference"),
    "P1": ("vLLM p99 latency above SLO", "vLLM Inference"),
    "P2": ("RAG ingestion backlog growing", "RAG Service"),
    "P3": ("GPU node disk 80% full", "vLLM Inference"),
}
BREAKS = ("oom", "crashloop", "imagepull")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds_in(text: str) -> float | None:
    """ "15m" → 900, "1h30m" → 5400; None unless the whole text is such a duration."""
    parts = _DURATION.findall(text)
    if not parts or "".join(a + b for a, b in parts) != text:
        return None
    return sum(float(amount) * _UNITS[unit] for amount, unit in parts)


@dataclass
class Levers:
    """What the `:` commands move besides the chat."""

    sandbox: Sandbox
    advance: Callable[[float], None]  # the bot's clock, then its timers are swept
    bot_url: str
    tour: Callable[[], None] = lambda: None


class Commands:
    def __init__(self, chat: Chat, levers: Levers):
        self.chat, self.levers = chat, levers
        self._table: dict[str, Callable[[list[str]], None]] = {
            "user": self.user,
            "channel": self.channel,
            "click": self.click,
            "advance": self.advance,
            "page": self.page,
            "canary": self.canary,
            "alert": self.alert,
            "break": self.break_,
            "fix": self.fix,
            "tour": lambda args: self.levers.tour(),
        }

    def __call__(self, words: list[str]) -> None:
        handler = self._table.get(words[0]) if words else None
        if handler is None:
            return self.chat.print(HELP)
        handler(words[1:])

    def user(self, args: list[str]) -> None:
        if len(args) != 1:
            return self.chat.print("usage: :user U0OPS2")
        self.chat.user = args[0]
        self.chat.print(f"(you are {args[0]} now)")

    def channel(self, args: list[str]) -> None:
        names = {name: channel for channel, name in CHANNEL_NAMES.items()}
        wanted = args[0].lstrip("#") if len(args) == 1 else ""
        channel = names.get(wanted, wanted)
        if not channel:
            return self.chat.print("usage: :channel C0ALERTS (or #llm-platform-alerts)")
        self.chat.switch(channel)

    def click(self, args: list[str]) -> None:
        if len(args) != 1 or not args[0].isdigit():
            return self.chat.print("usage: :click 3")
        self.chat.click(int(args[0]))

    def advance(self, args: list[str]) -> None:
        seconds = seconds_in(args[0]) if len(args) == 1 else None
        if seconds is None:
            return self.chat.print("usage: :advance 15m (or 30s, 2h, 1d, 1h30m)")
        self.levers.advance(seconds)
        self.chat.print(f"(the bot's clock moved on {args[0]})")
        self.chat.follow()

    def page(self, args: list[str]) -> None:
        if not args or args[0].upper() not in DEFAULT_PAGES:
            return self.chat.print("usage: :page P0|P1|P2|P3 [title]")
        priority = args[0].upper()
        title, service = DEFAULT_PAGES[priority]
        incident = self.levers.sandbox.pagerduty.page(priority, " ".join(args[1:]) or title, service)
        if incident is None:
            return self.chat.print("(PagerDuty opened nothing: the service is in a maintenance window)")
        self.chat.print(f"(PagerDuty opened {priority} #{incident['incident_number']} and tells the bot)")
        self.chat.switch("C0INCIDENT")
        self._answered(
            pagerduty_sender.send(
                self.levers.bot_url, "incident.triggered", incident, PAGERDUTY_WEBHOOK_SECRETS
            )
        )
        self.chat.follow()

    def canary(self, args: list[str]) -> None:
        exporter = self.levers.sandbox.exporter
        if args == ["bad"]:
            exporter.tune_canary(error_ratio=0.08, slow=True)
            return self.chat.print(
                "(the canary now fails 8% of requests and its p95 latency is ~9 s; its verdict turns to "
                "fail once the window holds enough of it: /llm canary status)"
            )
        if args == ["good"]:
            exporter.tune_canary()
            return self.chat.print("(the canary is healthy again; the bad minutes leave the window in time)")
        self.chat.print("usage: :canary bad|good")

    def alert(self, args: list[str]) -> None:
        if args not in (["VLLMHighErrorRate"], ["off"]):
            return self.chat.print("usage: :alert VLLMHighErrorRate | :alert off")
        firing = args != ["off"]
        self.levers.sandbox.exporter.set_error_ratio(0.1 if firing else None)
        if self.levers.sandbox.alertmanager is None:
            return self.chat.print(
                "(no Alertmanager in this sandbox: /llm alerts lists what Prometheus fires)"
            )
        what = "fails 10% of requests" if firing else "serves normally again"
        self.chat.print(f"(vLLM {what}; waiting for Prometheus → Alertmanager → the bot, ~10-20 s)")
        self._watch_alerts(45)

    def break_(self, args: list[str]) -> None:
        if len(args) != 2 or args[1] not in BREAKS:
            return self.chat.print(f"usage: :break rag-service {'|'.join(BREAKS)}")
        self._kube(f"deployments/llm-inference/{args[0]}/break", {"mode": args[1]})
        self.chat.print(f"({args[0]}: {args[1]}; the bot watches Kubernetes and posts what it sees)")
        self._watch_alerts(30)

    def fix(self, args: list[str]) -> None:
        if len(args) != 1:
            return self.chat.print("usage: :fix rag-service")
        self._kube(f"deployments/llm-inference/{args[0]}/fix", {})
        self.chat.print(f"({args[0]} is fixed; the bot marks the problem resolved when the pods recover)")
        self._watch_alerts(30)

    def _watch_alerts(self, seconds: float) -> None:
        self.chat.switch("C0ALERTS")
        if not self.chat.wait_for("C0ALERTS", seconds):
            self.chat.print("(nothing yet; press Enter in a moment)")

    def _kube(self, path: str, body: dict) -> None:
        url = f"{self.levers.sandbox.kube.url}/_sandbox/{path}"
        self._answered(requests.post(url, json=body, timeout=5))

    def _answered(self, response: requests.Response) -> None:
        if response.status_code >= 300:
            self.chat.print(f"(HTTP {response.status_code}) {response.text[:200]}")
