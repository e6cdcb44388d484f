"""`:tour`: a newcomer's walk through the headlines, one line of explanation before each step and a
pause for Enter: the morning check, a canary approved by a second person and judged, an incident
paged, escalated, acknowledged and resolved with its report, and the maintenance calendar."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from sandbox.demo_chat import Chat

Verdict = Callable[[], tuple[str, list[str]]]  # the canary's verdict and reasons right now


@dataclass(frozen=True)
class Step:
    explain: str
    actions: tuple[str, ...]  # typed as is, except "click Label" (the newest button so labelled)
    # and "await pass|fail" (wait until the canary's verdict is that, at most a minute)


STEPS = (
    Step(
        "The morning check: pods, nodes, alerts, cost, error rate, latency and GPUs in one message.",
        ("/llm status",),
    ),
    Step(
        "Changes need a second pair of eyes. As U0OPS1, ask for a canary of a newer vLLM image:",
        ("/llm canary start vllm/vllm-openai:v0.4.0",),
    ),
    Step(
        "Someone else approves it: as U0OPS2, click Approve. The bot creates the canary and follows it.",
        (":user U0OPS2", "click Approve", ":user U0OPS1"),
    ),
    Step(
        "The canary gets its share of traffic at once; its verdict waits for enough requests on both "
        "sides (one or two errors cannot flip it), then compares it with stable:",
        ("/llm canary status", "await pass", "/llm canary status"),
    ),
    Step(
        "Make the canary bad (8% errors, slow answers): the verdict fails, and a promote would be refused.",
        (":canary bad", "await fail", "/llm canary status"),
    ),
    Step("Abort it (no approval needed by default):", (":canary good", "/llm canary abort")),
    Step(
        "An incident: PagerDuty pages a P1. The bot opens a thread in #incident-response with the P1 "
        "checklist (type a checkbox's number to tick it):",
        (":page P1",),
    ),
    Step(
        "Nobody acknowledges. Move the bot's clock on 31 minutes: the escalation timer fires.",
        (":advance 31m",),
    ),
    Step(
        "The secondary, U0OPS2, acknowledges from Slack; the bot does it in PagerDuty as them.",
        (":user U0OPS2", "click Acknowledge"),
    ),
    Step(
        "Resolve it: the bot drafts the incident report, charts attached (saved in the demo's folder).",
        ("click Resolve", ":user U0OPS1"),
    ),
    Step(
        "The calendar: the next maintenance window, announced 3 days and 1 hour ahead, drained on approval.",
        (":channel C0PLATFORM", "/llm maintenance"),
    ),
)


class Tour:
    def __init__(self, chat: Chat, ask: Callable[[str], str], verdict: Verdict, patience: float = 60.0):
        self.chat, self.ask, self.verdict, self.patience = chat, ask, verdict, patience

    def run(self) -> None:
        for number, step in enumerate(STEPS, 1):
            self.chat.print(f"\n▶ {number}/{len(STEPS)} {step.explain}")
            try:
                self.ask("  (Enter to go on) ")
            except EOFError:
                return self.chat.print("(tour stopped)")
            for action in step.actions:
                self.chat.print(f"» {action}")
                self._do(action)
        self.chat.print("\nThat was the tour. :help lists the rest (:alert, :break, :advance, …).")

    def _do(self, action: str) -> None:
        verb, _, rest = action.partition(" ")
        if verb == "click":
            return self._click(rest)
        if verb == "await":
            return self._await(rest)
        self.chat.say(action)

    def _click(self, label: str) -> None:
        found = [b for b in self.chat.buttons if b.text == label and b.option is None]
        if not found:
            return self.chat.print(f"(no {label} button to click)")
        self.chat.click(found[-1].number)

    def _await(self, wanted: str) -> None:
        """Wait until the canary's verdict is `wanted`, saying what it waits for."""
        deadline, next_word = time.monotonic() + self.patience, 0.0
        while time.monotonic() < deadline:
            verdict, reasons = self.verdict()
            if verdict == wanted:
                return
            if time.monotonic() >= next_word:  # a line every few seconds, not a scroll of counts
                why = f": {'; '.join(reasons)}" if reasons else ""
                self.chat.print(f"(waiting for a {wanted} verdict; now {verdict}{why})")
                next_word = time.monotonic() + 5.0
            time.sleep(1.0)
        self.chat.print(f"(still no {wanted} verdict; the next step may show why)")
