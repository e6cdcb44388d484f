"""One loop that fires timers when they come due. Timers are rows (bot/state/timers.py); what a
timer does is a handler looked up by its kind in an explicit table. A timer that came due while the
bot was down fires once on start, and its handler is told how late it is. A timer is marked fired
after its handler returns, so a crash mid-handler runs it again: handlers are compare-and-set
idempotent (a second run changes nothing)."""
from __future__ import annotations

import logging
import threading
from typing import Callable

from bot.clock import SystemClock
from bot.state import Store, Timer

log = logging.getLogger(__name__)

Handler = Callable[[Timer, float], None]  # (timer, seconds late)
TICK_SECONDS = 0.5  # precision: a timer fires within about a tick of its due time


class Scheduler:
    def __init__(self, store: Store, handlers: dict[str, Handler], clock=None):
        self._store, self._handlers = store, handlers
        self._clock = clock or SystemClock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.fire_due()

    def fire_due(self) -> int:
        """Fire every timer due now, each once; returns how many fired."""
        fired = 0
        now = self._clock.time()
        for timer in self._store.due_timers(now):
            self._run(timer, max(now - timer.due_at, 0.0))
            fired += self._store.claim_timer(timer.id, now)
        return fired

    def _run(self, timer: Timer, late: float) -> None:
        handler = self._handlers.get(timer.kind)
        if handler is None:
            log.error("no handler for timer kind", extra={"kind": timer.kind, "key": timer.key})
            return
        try:
            handler(timer, late)
        except Exception:  # one broken handler must not stop the others
            log.exception("timer handler failed", extra={"kind": timer.kind, "key": timer.key})
