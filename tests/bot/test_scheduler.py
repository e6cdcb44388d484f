"""The timer sweep on a hand-moved clock: on time, once, late with its lateness; a handler's effects
commit with the timer's claim; a handler that fails is tried again rather than lost."""

from datetime import datetime, timezone

from bot.clock import ManualClock
from bot.scheduler import RETRY_SECONDS, Scheduler
from bot.state import Effects, Post, SetTimer, Store, Write

START = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)


def arm(store, clock, kind, key, due):
    store.commit(Effects.of(SetTimer(kind, key, due)), clock.time())


def test_a_timer_fires_once_when_due_and_is_told_how_late_it_is(tmp_path):
    store, clock, seen = Store(tmp_path / "s.db"), ManualClock(START), []
    scheduler = Scheduler(
        store, {"ping": lambda timer, late: seen.append((timer.key, late)) or Effects()}, clock
    )
    arm(store, clock, "ping", "a", clock.time() + 60)
    clock.advance(59)
    assert scheduler.fire_due() == 0
    clock.advance(31)
    assert scheduler.fire_due() == 1
    assert scheduler.fire_due() == 0
    assert seen == [("a", 30.0)]


def test_what_a_timer_decides_commits_with_its_firing(tmp_path):
    store, clock = Store(tmp_path / "s.db"), ManualClock(START)
    post = Post("chat.postMessage", "C0X", {"channel": "C0X", "text": "due"})
    scheduler = Scheduler(store, {"say": lambda timer, late: Effects.of(post)}, clock)
    arm(store, clock, "say", "a", clock.time())
    assert scheduler.fire_due() == 1
    assert [p.payload["body"]["text"] for p in store.posts()] == ["due"]
    assert store.timer("say", "a").state == "fired"


def test_a_timer_whose_effects_are_void_is_spent_not_fired_forever(tmp_path):
    store, clock, calls = Store(tmp_path / "s.db"), ManualClock(START), []
    missed = Write("UPDATE jobs SET state='x' WHERE id=-1", what="a compare-and-set that misses")
    scheduler = Scheduler(store, {"moot": lambda timer, late: calls.append(1) or Effects.of(missed)}, clock)
    arm(store, clock, "moot", "a", clock.time())
    assert scheduler.fire_due() == 1
    assert scheduler.fire_due() == 0
    assert (calls, store.timer("moot", "a").state) == ([1], "fired")


def test_a_handler_that_raises_is_tried_again_later_not_lost(tmp_path):
    store, clock, calls = Store(tmp_path / "s.db"), ManualClock(START), []

    def flaky(timer, late):
        calls.append(late)
        if len(calls) == 1:
            raise RuntimeError("the database was busy")
        return Effects()

    scheduler = Scheduler(store, {"flaky": flaky}, clock)
    arm(store, clock, "flaky", "a", clock.time())
    assert scheduler.fire_due() == 0
    assert store.timer("flaky", "a").state == "pending"
    clock.advance(RETRY_SECONDS)
    assert scheduler.fire_due() == 1
    assert store.timer("flaky", "a").state == "fired"
    assert len(calls) == 2


def test_a_handler_can_arm_its_own_timer_again(tmp_path):
    store, clock = Store(tmp_path / "s.db"), ManualClock(START)
    again = lambda timer, late: Effects.of(SetTimer("tick", "a", clock.time() + 10))  # noqa: E731
    scheduler = Scheduler(store, {"tick": again}, clock)
    arm(store, clock, "tick", "a", clock.time())
    assert scheduler.fire_due() == 1
    assert store.timer("tick", "a").state == "pending"
    clock.advance(10)
    assert scheduler.fire_due() == 1


def test_a_timer_of_a_kind_nobody_handles_is_spent_once(tmp_path):
    store, clock = Store(tmp_path / "s.db"), ManualClock(START)
    arm(store, clock, "gone", "a", clock.time())
    assert Scheduler(store, {}, clock).fire_due() == 1
    assert store.timer("gone", "a").state == "fired"
