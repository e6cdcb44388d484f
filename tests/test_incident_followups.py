"""What an incident asks for later, on an injected clock: the numbers at the end of a ticked
"monitor for N minutes" window, and the report reminder a day after resolve until someone marks
the report done. Time is moved, never slept through."""

import re
from datetime import datetime, timezone

import pytest

from bot.clock import ManualClock
from bot.oncall.card import REPORT_DONE
from bot.oncall.monitoring import MONITOR
from bot.oncall.report_chase import REMIND
from sandbox import pagerduty_sender as pd
from tests.incident_support import CHANNEL, checklist, pump, replies, root, sender, tick
from tests.support import settle_all, start_bot

START = datetime(2024, 5, 1, 9, 0, 1, tzinfo=timezone.utc)
DATA = pd.incident_data("PINC001", 101, "vLLM p99 latency above SLO", priority="P1", created=START)
MONITOR_ITEM = "PINC001|4"  # "Monitor for 15 minutes" in the P1 checklist
# a day of moved time must not also run the morning check, the daily backup or maintenance notices
QUIET = {"schedules": {}, "backups": {"daily": False}, "maintenance": {"window": {"enabled": False}}}
WINDOW_END = re.compile(
    r"📈 Monitoring window of 15 min ended: "
    r"error rate \d+\.\d\d% (✅|⚠️) \(limit \d+\.\d\d%\), "
    r"p95 \d+\.\d\d s (✅|⚠️) \(limit \d+\.\d\d s\)\."
)


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def bot(sandbox, tmp_path, clock):
    sandbox.pagerduty.reset()
    running = start_bot(sandbox, tmp_path / "llmbot.db", clock, **QUIET)
    yield running
    running.server.stop()


def said(bot, parent, starts: str) -> list[str]:
    return [t for t in replies(bot, parent) if t.startswith(starts)]


def open_incident(bot, clock) -> dict:
    sender(bot).send(pd.event("incident.triggered", DATA, at=START, agent=None))
    parent = root(bot)
    pump(bot, lambda: said(bot, parent, "P1 response checklist"))
    return parent


def resolve(bot, clock, parent) -> float:
    clock.advance(10 * 60)
    resolved_at = clock.now()
    sender(bot).send(pd.event("incident.resolved", {**DATA, "status": "resolved"}, at=resolved_at))
    pump(bot, lambda: said(bot, parent, "📄 Report draft"))
    return resolved_at.timestamp()


def stand_still() -> None:
    """Everything due now runs while the injected clock does not move."""
    settle_all()


def test_a_ticked_monitoring_window_posts_error_rate_and_p95_when_it_ends_and_not_before(bot, clock):
    parent = open_incident(bot, clock)
    tick(bot, checklist(bot, parent), [MONITOR_ITEM], "U0OPS1")
    pump(bot, lambda: said(bot, parent, "⏱️ Monitoring for 15 min"))
    due = bot.store.timer(MONITOR, "PINC001:4").due_at
    clock.advance(due - clock.time() - 1)
    stand_still()
    assert (bot.store.timer(MONITOR, "PINC001:4").state, said(bot, parent, "📈")) == ("pending", [])
    clock.advance(1.5)
    pump(bot, lambda: said(bot, parent, "📈"))
    [numbers] = said(bot, parent, "📈")
    assert WINDOW_END.fullmatch(numbers), numbers


def test_an_unmarked_report_is_reminded_24_hours_after_resolve_and_not_before(bot, clock):
    parent = open_incident(bot, clock)
    resolved_at = resolve(bot, clock, parent)
    assert bot.store.timer(REMIND, "PINC001:report").due_at == resolved_at + 24 * 3600
    clock.advance(resolved_at + 24 * 3600 - clock.time() - 1)
    stand_still()
    assert said(bot, parent, "⏰") == []
    clock.advance(1.5)
    pump(bot, lambda: said(bot, parent, "⏰"))
    assert said(bot, parent, "⏰") == [
        "⏰ Olivia Ops: 24 h since this was resolved and the incident report is not marked done. "
        "Finish the draft above and click *Mark report done*."
    ]


def test_marking_the_report_done_stops_the_reminder(bot, clock):
    parent = open_incident(bot, clock)
    resolved_at = resolve(bot, clock, parent)
    [summary] = bot.wait_for_posts(
        channel=CHANNEL, where=lambda m: (m["text"] or "").startswith("📄 Report draft")
    )
    bot.click(summary, REPORT_DONE, "U0OPS2")
    pump(bot, lambda: said(bot, parent, "📄 Report marked done"))
    assert said(bot, parent, "📄 Report marked done") == ["📄 Report marked done by <@U0OPS2>."]
    assert bot.store.timer(REMIND, "PINC001:report").state == "cancelled"
    clock.advance(resolved_at + 25 * 3600 - clock.time())
    stand_still()
    assert said(bot, parent, "⏰") == []
