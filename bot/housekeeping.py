"""Keeping the state file from growing without end: once a day, rows that only record finished work
(jobs done, posts sent or superseded, applied webhooks, old replay signatures) are deleted after
`state.keep_days`. Approvals, incidents, their timelines and the audit log are kept."""

from __future__ import annotations

from bot.plugs import Plugs
from bot.state import Effects, SetTimer, Store, Write

TIMER = "state.prune"
DAY = 86_400.0

_FINISHED = (
    ("jobs", "state IN ('done', 'failed') AND updated_at < ?"),
    ("outbox", "state IN ('sent', 'superseded', 'failed') AND created_at < ?"),
    ("pd_inbox", "state != 'pending' AND received_at < ?"),
)


def wire(store: Store, keep_days: float, clock) -> Plugs:
    def prune(timer, late: float) -> Effects:
        cutoff = clock.time() - keep_days * DAY
        writes = [
            Write(f"DELETE FROM {table} WHERE {where}", (cutoff,), expect=None, what=f"prune {table}")
            for table, where in _FINISHED
        ]
        return Effects.of(*writes, SetTimer(TIMER, "daily", clock.time() + DAY))

    def arm() -> None:
        store.commit(Effects.of(SetTimer(TIMER, "daily", clock.time() + DAY, if_absent=True)), clock.time())

    return Plugs(timers={TIMER: prune}, on_start=(arm,))
