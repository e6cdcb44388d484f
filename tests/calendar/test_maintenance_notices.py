"""The four notices of a window, each posted once: on time, across a restart just before and just
after one comes due, late with a note or skipped by policy, and not at all for a cancelled window."""

from datetime import datetime, timezone
from functools import partial

import pytest

from bot.calendar.notices import NOTICE, Notices
from bot.calendar.windows import Calendar, windows
from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.state import Store
from commands.calendar_settings import MaintenanceSettings


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


class Running:
    """One bot process's worth of calendar: a store on the shared file, the calendar, the scheduler."""

    def __init__(self, db, clock, **settings):
        self.store = Store(db)
        maintenance = MaintenanceSettings(**settings)
        notices = Notices(
            self.store,
            maintenance,
            "C0PLATFORM",
            "llm-inference",
            clock,
            partial(windows, self.store, maintenance),
        )
        self.calendar = Calendar(self.store, maintenance, notices, clock, lambda now, count: [])
        self.scheduler = Scheduler(self.store, {NOTICE: notices.on_notice}, clock)
        self.store.run_step(notices.arm, clock.time())
        self.scheduler.fire_due()

    def texts(self):
        return [p.payload["body"]["text"] for p in self.store.posts()]

    def heads(self):
        return [t.split(":")[0] for t in self.texts()]


@pytest.fixture
def clock():
    return ManualClock(utc(2025, 2, 20))


def run_until(running, clock, when, step=600):
    while clock.now() < when:
        clock.advance(min(step, (when - clock.now()).total_seconds()))
        running.scheduler.fire_due()


def test_a_window_gets_its_four_notices_in_order_each_once(tmp_path, clock):
    bot = Running(tmp_path / "db", clock)
    run_until(bot, clock, utc(2025, 3, 1, 15))
    assert bot.heads() == [
        "📅 *Planned maintenance*",
        "⏰ *Maintenance in 1 hour*",
        "🔧 *Maintenance window open*",
        "✅ *Maintenance window closed*",
    ]
    assert bot.texts()[0].startswith(
        "📅 *Planned maintenance*: Sat 1 Mar 2025, 02:00–06:00 PST (10:00–14:00 UTC), 4 h"
    )
    assert [p.not_before for p in bot.store.posts()] == [
        utc(2025, 2, 26, 10).timestamp(),
        utc(2025, 3, 1, 9).timestamp(),
        utc(2025, 3, 1, 10).timestamp(),
        utc(2025, 3, 1, 14).timestamp(),
    ]


def test_the_april_window_after_the_march_change_is_announced_at_two_pacific_daylight_time(tmp_path, clock):
    clock.advance((utc(2025, 3, 2) - clock.now()).total_seconds())
    bot = Running(tmp_path / "db", clock)
    run_until(bot, clock, utc(2025, 4, 2, 9, 1))
    [post] = bot.store.posts()
    assert post.not_before == utc(2025, 4, 2, 9).timestamp()
    assert "Sat 5 Apr 2025, 02:00–06:00 PDT (09:00–13:00 UTC)" in post.payload["body"]["text"]


def test_a_restart_just_before_a_notice_is_due_posts_it_once_on_time(tmp_path, clock):
    first = Running(tmp_path / "db", clock)
    run_until(first, clock, utc(2025, 2, 26, 9, 59, 50))
    first.store.close()
    clock.advance(5)
    second = Running(tmp_path / "db", clock)
    run_until(second, clock, utc(2025, 2, 26, 10, 5))
    assert second.heads() == ["📅 *Planned maintenance*"]
    assert "Posted late" not in second.texts()[0]


def test_a_restart_just_after_a_notice_was_posted_does_not_post_it_again(tmp_path, clock):
    first = Running(tmp_path / "db", clock)
    run_until(first, clock, utc(2025, 2, 26, 10, 0, 1), step=1)
    first.store.close()
    second = Running(tmp_path / "db", clock)
    run_until(second, clock, utc(2025, 2, 27))
    assert second.heads() == ["📅 *Planned maintenance*"]


def test_a_notice_due_while_the_bot_was_down_is_posted_late_with_a_note(tmp_path, clock):
    Running(tmp_path / "db", clock).store.close()
    clock.advance((utc(2025, 2, 26, 13) - clock.now()).total_seconds())  # down across the announcement
    bot = Running(tmp_path / "db", clock)
    [text] = bot.texts()
    assert text.endswith("_⏱ Posted late: this was due Wed 26 Feb 2025, 02:00 while the bot was down._")


def test_the_skip_policy_skips_a_late_notice_and_records_it(tmp_path, clock):
    Running(tmp_path / "db", clock, late_policy="skip").store.close()
    clock.advance((utc(2025, 2, 26, 13) - clock.now()).total_seconds())
    bot = Running(tmp_path / "db", clock, late_policy="skip")
    assert bot.texts() == []
    assert bot.store.notices("2025-03-01T10:00Z") == {"announcement": "skipped"}


def test_a_reminder_whose_window_has_begun_is_skipped_even_when_posting_late(tmp_path, clock):
    Running(tmp_path / "db", clock).store.close()
    clock.advance((utc(2025, 3, 1, 11) - clock.now()).total_seconds())  # down 20 Feb - 1 Mar 11:00
    bot = Running(tmp_path / "db", clock)
    assert bot.heads() == ["🔧 *Maintenance window open*"]
    assert bot.store.notices("2025-03-01T10:00Z") == {
        "announcement": "skipped",
        "reminder": "skipped",
        "start": "posted",
    }


def test_a_cancelled_window_gets_no_more_notices_and_its_cancellation_is_announced(tmp_path, clock):
    bot = Running(tmp_path / "db", clock)
    run_until(bot, clock, utc(2025, 2, 27))
    bot.calendar.cancel(None, "U0OPS1")
    run_until(bot, clock, utc(2025, 3, 2))
    assert bot.heads() == ["📅 *Planned maintenance*", "🚫 *Maintenance cancelled* by <@U0OPS1>"]
    assert bot.calendar.next_window(clock.now()).start == utc(2025, 4, 5, 9)


def test_a_window_scheduled_at_short_notice_is_announced_at_once_without_a_separate_reminder(tmp_path, clock):
    bot = Running(tmp_path / "db", clock)
    window = bot.calendar.schedule("2025-02-19", "16:30-17:30", "hotfix", "U0OPS1")  # in 30 minutes
    bot.scheduler.fire_due()
    run_until(bot, clock, window.end + (window.end - window.start))
    assert bot.heads() == [
        "📅 *Planned maintenance*",
        "🔧 *Maintenance window open*",
        "✅ *Maintenance window closed*",
    ]


def test_maintenance_is_active_inside_a_window_only(tmp_path, clock):
    bot = Running(tmp_path / "db", clock)
    assert [
        bot.calendar.maintenance_active(t)
        for t in (utc(2025, 3, 1, 9, 59), utc(2025, 3, 1, 10), utc(2025, 3, 1, 14))
    ] == [False, True, False]
    assert bot.calendar.escalation_held(utc(2025, 3, 1, 12)) is True
