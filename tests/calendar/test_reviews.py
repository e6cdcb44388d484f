"""Recurring reviews: each occurrence fires once across restarts, a missed one is posted late or
skipped by policy, and the capacity advice follows the 80% / 40% thresholds."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.calendar.reviews import OCCURRENCE, Reviews
from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.state import Store
from commands.calendar_settings import MaintenanceSettings, ReviewThresholds, Schedule, default_schedules
from commands.capacity import decide
from commands.recurrence import occurrences
from commands.weekly import _show

DAILY = {"morning-check": Schedule(review="status", rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0")}


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


class Running:
    """The reviews' timers on a store; the review jobs they start are read back, not run."""

    def __init__(self, db, clock, **late):
        self.store = Store(db)
        self.reviews = Reviews(
            self.store, DAILY, MaintenanceSettings(**late), "C0PLATFORM", clock, build=None
        )
        self.scheduler = Scheduler(self.store, {OCCURRENCE: self.reviews.on_occurrence}, clock)
        self.store.run_step(self.reviews.arm, clock.time())
        self.scheduler.fire_due()

    @property
    def jobs(self):
        return [job.payload for job in self.store.jobs("pending") if job.kind == "review"]


def dues(running):
    return [datetime.fromtimestamp(j["due"], timezone.utc) for j in running.jobs]


def test_the_morning_check_fires_at_nine_pacific_each_day_across_the_march_change(tmp_path):
    clock = ManualClock(utc(2025, 3, 8, 12))
    bot = Running(tmp_path / "db", clock)
    for _ in range(3 * 24):
        clock.advance(3600)
        bot.scheduler.fire_due()
    assert dues(bot) == [utc(2025, 3, 8, 17), utc(2025, 3, 9, 16), utc(2025, 3, 10, 16)]


def test_a_restart_right_after_an_occurrence_does_not_run_it_again(tmp_path):
    clock = ManualClock(utc(2025, 3, 4, 16, 59))
    first = Running(tmp_path / "db", clock)
    clock.advance(61)
    first.scheduler.fire_due()
    assert len(first.jobs) == 1
    first.store.close()
    second = Running(tmp_path / "db", clock)
    assert len(second.jobs) == 1  # the one the first run started; no second one
    assert [r["state"] for r in second.store.runs("morning-check")] == ["posted"]


def test_an_occurrence_missed_while_down_runs_once_late_and_the_next_is_armed(tmp_path):
    clock = ManualClock(utc(2025, 3, 4, 12))
    Running(tmp_path / "db", clock).store.close()
    clock.advance(3 * 86400)  # down over three mornings
    bot = Running(tmp_path / "db", clock)
    assert [(j["late"] > 0, j["due"]) for j in bot.jobs] == [(True, utc(2025, 3, 4, 17).timestamp())]
    assert [t.key for t in bot.store.timers() if t.kind == OCCURRENCE] == ["morning-check@2025-03-07T17:00Z"]


def test_the_skip_policy_records_a_missed_occurrence_without_running_it(tmp_path):
    clock = ManualClock(utc(2025, 3, 4, 12))
    Running(tmp_path / "db", clock, late_policy="skip").store.close()
    clock.advance(86400)
    bot = Running(tmp_path / "db", clock, late_policy="skip")
    assert (bot.jobs, [r["state"] for r in bot.store.runs("morning-check")]) == ([], ["skipped"])


@pytest.mark.parametrize(
    "gpu, replicas, advice",
    [
        (85.0, 2, ("up", 3)),
        (80.0, 2, ("hold", 2)),
        (39.9, 2, ("down", 1)),
        (30.0, 1, ("hold", 1)),
        (95.0, 10, ("at_limit", 10)),
        (None, 2, ("unknown", 2)),
    ],
)
def test_capacity_advice_follows_the_thresholds(gpu, replicas, advice):
    assert decide(gpu, replicas, ReviewThresholds(), 10) == advice


def test_an_empty_week_reads_not_available_with_where_history_starts():
    assert _show("{:.2f} s", None, utc(2025, 3, 1, 4)) == "n/a, history starts 2025-03-01"
    assert _show("{:.2f} s", None, None) == "n/a, no history"
    assert _show("{:.2f} s", 1.234, None) == "1.23 s"


PACIFIC = "America/Los_Angeles"


@pytest.mark.parametrize(
    "name, after, due",
    [  # Pacific wall clock of the next three occurrences after the first of January 2025
        (
            "oncall-handover",
            utc(2025, 1, 1),
            ["Mon 2025-01-06 09:00", "Mon 2025-01-13 09:00", "Mon 2025-01-20 09:00"],
        ),
        (
            "cost-review",
            utc(2025, 1, 1),
            ["Wed 2025-01-01 10:00", "Mon 2025-02-03 10:00", "Mon 2025-03-03 10:00"],
        ),
        (
            "security-audit",
            utc(2025, 1, 1),
            ["Tue 2025-01-07 10:00", "Tue 2025-02-04 10:00", "Tue 2025-03-04 10:00"],
        ),
        (
            "model-updates",
            utc(2025, 1, 1),
            ["Tue 2025-01-14 10:00", "Tue 2025-02-11 10:00", "Tue 2025-03-11 10:00"],
        ),
        (
            "runbook-review",
            utc(2025, 1, 1),
            ["Mon 2025-01-06 10:00", "Mon 2025-04-07 10:00", "Mon 2025-07-07 10:00"],
        ),
    ],
)
def test_the_default_rhythm_handover_monthly_and_quarterly_reviews_fall_on_the_manuals_days(name, after, due):
    schedule = default_schedules()[name]
    found = occurrences(schedule.rule, schedule.zone, after, 3)
    assert [f"{w.astimezone(ZoneInfo(PACIFIC)):%a %Y-%m-%d %H:%M}" for w in found] == due
