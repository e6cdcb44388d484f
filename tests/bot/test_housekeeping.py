"""The daily prune deletes only rows that record finished work, and only once they are old."""

from datetime import datetime, timezone

from bot import housekeeping
from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.state import Effects, NewJob, Post, Store

START = datetime(2026, 11, 1, tzinfo=timezone.utc)


def test_old_finished_rows_go_and_pending_or_recent_ones_stay(tmp_path):
    store, clock = Store(tmp_path / "s.db"), ManualClock(START)
    plugs = housekeeping.wire(store, keep_days=30, clock=clock)
    store.commit(
        Effects.of(
            NewJob("old"),
            NewJob("waiting"),
            Post("chat.postMessage", "C1", {"text": "old"}),
            Post("chat.postMessage", "C1", {"text": "unsent"}),
        ),
        clock.time(),
    )
    old_job = store.claim_next_job(clock.time())
    store.commit(Effects.of(store.finish_job_write(old_job.id, "done", clock.time())), clock.time())
    sent = store.posts("pending")[0]
    store.mark_sent(sent.id, clock.time(), {"ts": "1.0", "channel": "C1"})
    for resume in plugs.on_start:
        resume()
    clock.advance(31 * 86_400)
    store.commit(Effects.of(NewJob("recent")), clock.time())
    assert Scheduler(store, plugs.timers, clock).fire_due() == 1
    assert [j.kind for j in store.jobs("pending")] == ["waiting", "recent"] and store.jobs("done") == []
    assert [p.payload["body"]["text"] for p in store.posts()] == ["unsent"]
    assert store.timer(housekeeping.TIMER, "daily").state == "pending"
