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
RETRY_SECONDS = 30.0  # a handler that raised runs again this much later


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
            try:
                self.fire_due()
            except Exception:  # the store hiccuped: the loop must outlive it
                log.exception("timer sweep failed")

    def fire_due(self) -> int:
        """Fire every timer due now, each once; returns how many fired."""
        fired = 0
        now = self._clock.time()
        for timer in self._store.due_timers(now):
            if self._run(timer, max(now - timer.due_at, 0.0)):
                fired += self._store.claim_timer(timer.id, now)
            else:
                self._store.defer_timer(timer.id, now + RETRY_SECONDS)
        return fired

    def _run(self, timer: Timer, late: float) -> bool:
        """True when the timer is done with: handled, or of a kind nobody handles any more."""
        handler = self._handlers.get(timer.kind)
        if handler is None:
            log.error("no handler for timer kind", extra={"kind": timer.kind, "key": timer.key})
            return True
        try:
            handler(timer, late)
            return True
        except Exception:  # one broken handler must not stop the others, nor lose its timer
            log.exception(
                "timer handler failed; retrying later", extra={"kind": timer.kind, "key": timer.key}
            )
            return False
