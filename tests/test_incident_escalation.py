"""Escalation timers on an injected clock: P0 moves Primary → Secondary after 15 minutes (in
PagerDuty and in the thread), acknowledging stops it, and a bot that was down fires each overdue
level once on start and says how late. Time is moved, never slept through."""

from datetime import date, datetime, timezone

import pytest

from bot.clock import ManualClock
from commands.oncall_policy import BusinessHours
from sandbox import pagerduty_sender as pd
from tests.incident_support import pump, replies, root, sender
from tests.support import start_bot

START = datetime(2024, 5, 1, 9, 0, 1, tzinfo=timezone.utc)
DATA = pd.incident_data("PINC001", 101, "vLLM p99 latency above SLO", priority="P0", created=START)


@pytest.fixture(autouse=True)
def fresh_pagerduty(sandbox):
    sandbox.pagerduty.reset()


def escalations(bot, parent):
    return [t for t in replies(bot, parent) if t.startswith("⏫")]


def trigger(bot, clock):
    sender(bot).send(pd.event("incident.triggered", DATA, at=START, agent=None))
    found = []
    pump(bot, lambda: found.append(1) or bot.posted("C0INCIDENT"))
    return root(bot)


def test_p0_escalates_to_secondary_after_15_minutes_within_two_seconds(sandbox, tmp_path):
    clock = ManualClock(START)
    bot = start_bot(sandbox, tmp_path / "llmbot.db", clock)
    try:
        parent = trigger(bot, clock)
        due = bot.store.timer("incident.escalate", "PINC001:0").due_at
        clock.advance(due - clock.time() - 1)
        bot.settle()  # one second early: nothing happens
        assert escalations(bot, parent) == []
        clock.advance(1.5)
        bot.settle()  # with the clock standing still, it fires in this sweep
        assert bot.store.incident("PINC001").level == 1
        pump(bot, lambda: any(t.startswith("📣") for t in replies(bot, parent)))
        assert escalations(bot, parent) == [
            "⏫ Not acknowledged within 15 min: Primary (Olivia Ops) did not answer. "
            "Escalating to *Secondary*."
        ]
        assert "📣 <@U0OPS2> (Oscar Ops): you are Secondary on-call for #101. Please acknowledge." in replies(
            bot, parent
        )
        assert sandbox.pagerduty.escalation_level("PINC001") == 2
        echo = pd.event(
            "incident.escalated", {**DATA, "assignees": [pd._ref("user", "users", "PUSER02", "Oscar Ops")]}
        )
        sender(bot).send(echo)
        pump(bot, lambda: all(e.state == "done" for e in bot.store.inbox()), seconds=5)
        assert not any(t.startswith("⏫ Escalated in PagerDuty") for t in replies(bot, parent))
        [put] = [c for c in sandbox.pagerduty.calls() if c["method"] == "PUT"]
        assert (put["from"], put["body"]["incident"]["escalation_level"]) == ("llmbot@example.com", 2)
    finally:
        bot.server.stop()


def test_acknowledging_stops_escalation(sandbox, tmp_path):
    clock = ManualClock(START)
    bot = start_bot(sandbox, tmp_path / "llmbot.db", clock)
    try:
        parent = trigger(bot, clock)
        ack = pd.event("incident.acknowledged", {**DATA, "status": "acknowledged"}, at=START, agent="PUSER01")
        sender(bot).send(ack)
        pump(bot, lambda: any(t.startswith("👀") for t in replies(bot, parent)))
        clock.advance(20 * 60)
        pump(bot, lambda: True, seconds=5)
        assert escalations(bot, parent) == []
        assert sandbox.pagerduty.escalation_level("PINC001") == 1
    finally:
        bot.server.stop()


def test_unacknowledging_restarts_the_level_timer(sandbox, tmp_path):
    clock = ManualClock(START)
    bot = start_bot(sandbox, tmp_path / "llmbot.db", clock)
    try:
        parent = trigger(bot, clock)
        send = sender(bot)
        send.send(
            pd.event("incident.acknowledged", {**DATA, "status": "acknowledged"}, at=START, agent="PUSER01")
        )
        pump(bot, lambda: any(t.startswith("👀") for t in replies(bot, parent)))
        assert bot.store.timer("incident.escalate", "PINC001:0").state == "cancelled"
        send.send(
            pd.event(
                "incident.unacknowledged",
                DATA,
                at=datetime.fromtimestamp(clock.time(), timezone.utc),
                agent=None,
            )
        )
        pump(bot, lambda: any(t.startswith("↩️") for t in replies(bot, parent)))
        timer = bot.store.timer("incident.escalate", "PINC001:0")
        assert timer.state == "pending" and abs(timer.due_at - clock.time() - 900) < 10
    finally:
        bot.server.stop()


def test_a_bot_that_was_down_fires_each_overdue_level_once_and_says_how_late(sandbox, tmp_path):
    clock = ManualClock(START)
    db = tmp_path / "llmbot.db"
    first = start_bot(sandbox, db, clock)
    parent = trigger(first, clock)
    first.server.stop()
    clock.advance(40 * 60)  # down for 40 minutes: the 15- and 30-minute escalations are overdue
    second = start_bot(sandbox, db, clock)
    try:
        pump(
            second,
            lambda: (
                len(escalations(second, parent)) >= 2 and sandbox.pagerduty.escalation_level("PINC001") == 3
            ),
        )
        said = escalations(second, parent)
        assert said[0].startswith(
            "⏫ Not acknowledged within 15 min: Primary (Olivia Ops) did not answer. "
            "Escalating to *Secondary*. _(fired 2"
        )
        assert said[1].startswith("⏫ Not acknowledged within 15 min: Secondary")
        assert "Escalating to *Manager*. _(fired 1" in said[1] and said[1].endswith(
            "min late: the bot was down)_"
        )
        pump(second, lambda: True, seconds=5)
        assert len(escalations(second, parent)) == 2
    finally:
        second.server.stop()


def test_p3_waits_for_the_next_business_day_skipping_weekends_and_holidays():
    hours = BusinessHours(holidays=[date(2024, 5, 6)])
    friday_evening = datetime(2024, 5, 3, 23, 0, tzinfo=timezone.utc)  # 16:00 in Los Angeles
    assert hours.next_business_start(friday_evening).isoformat() == "2024-05-07T09:00:00-07:00"


def test_escalation_is_held_during_a_maintenance_window_and_the_thread_says_so(sandbox, tmp_path):
    clock = ManualClock(START)  # 02:00 in Los Angeles
    bot = start_bot(sandbox, tmp_path / "llmbot.db", clock)
    try:
        bot.server.bot.calendar.schedule("2024-05-01", "01:00-05:00", "driver upgrade", "U0OPS1")
        parent = trigger(bot, clock)
        clock.advance(15 * 60 + 1)
        pump(bot, lambda: any(t.startswith("⏸️ Escalation held") for t in replies(bot, parent)))
        assert bot.store.incident("PINC001").level == 0
        assert sandbox.pagerduty.escalation_level("PINC001") != 2
        assert not escalations(bot, parent)
    finally:
        bot.server.stop()
