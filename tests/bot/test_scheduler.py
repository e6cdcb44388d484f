"""The timer sweep on a hand-moved clock: on time, once, late with its lateness, and a handler that
fails is tried again rather than lost."""

from datetime import datetime, timezone

from bot.clock import ManualClock
from bot.scheduler import RETRY_SECONDS, Scheduler
from bot.state import Store

START = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def test_a_timer_fires_once_when_due_and_is_told_how_late_it_is(tmp_path):
    store, clock, seen = Store(tmp_path / "s.db"), ManualClock(START), []
    scheduler = Scheduler(store, {"ping": lambda timer, late: seen.append((timer.key, late))}, clock)
    store.schedule("ping", "a", clock.time() + 60, clock.time())
    clock.advance(59)
    assert scheduler.fire_due() == 0
    clock.advance(31)
    assert scheduler.fire_due() == 1
    assert scheduler.fire_due() == 0
    assert seen == [("a", 30.0)]


def test_a_handler_that_raises_is_tried_again_later_not_lost(tmp_path):
    store, clock, calls = Store(tmp_path / "s.db"), ManualClock(START), []

    def flaky(timer, late):
        calls.append(late)
        if len(calls) == 1:
            raise RuntimeError("the database was busy")

    scheduler = Scheduler(store, {"flaky": flaky}, clock)
    store.schedule("flaky", "a", clock.time(), clock.time())
    assert scheduler.fire_due() == 0
    assert store.timer("flaky", "a").state == "pending"
    clock.advance(RETRY_SECONDS)
    assert scheduler.fire_due() == 1
    assert store.timer("flaky", "a").state == "fired"
    assert len(calls) == 2


def test_rescheduling_a_fired_timer_arms_it_again(tmp_path):
    store, clock = Store(tmp_path / "s.db"), ManualClock(START)
    scheduler = Scheduler(store, {"tick": lambda timer, late: None}, clock)
    store.schedule("tick", "a", clock.time(), clock.time())
    assert scheduler.fire_due() == 1
    store.reschedule("tick", "a", clock.time() + 10, clock.time())
    assert store.timer("tick", "a").state == "pending"
    clock.advance(10)
    assert scheduler.fire_due() == 1
