"""One loop that fires timers when they come due. Timers are rows (bot/state/timers.py); what a timer
does is a handler looked up by its kind in an explicit table. A handler reads state and returns
Effects; the scheduler commits them together with the timer's claim, so a timer fires exactly once
and a crash leaves either both or neither. A timer that came due while the bot was down fires once
on start, and its handler is told how late it is."""

from __future__ import annotations

import logging
import threading
from typing import Callable, Mapping

from bot import crash
from bot.metrics import Metrics
from bot.state import Effects, Store, Timer
from bot.state.timers import claim

log = logging.getLogger(__name__)

Handler = Callable[[Timer, float], Effects]  # (timer, seconds late) -> effects
TICK_SECONDS = 0.5  # precision: a timer fires within about a tick of its due time
RETRY_SECONDS = 30.0  # a handler that raised runs again this much later
BATCH = 200  # timers fired in one transaction


class Scheduler:
    def __init__(self, store: Store, handlers: Mapping[str, Handler], clock, metrics: Metrics | None = None):
        self._store, self._handlers, self._clock, self._metrics = store, dict(handlers), clock, metrics
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def poke(self, *_ignored) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.fire_due()
                wait = self._until_next()
            except Exception:  # the store hiccuped: the loop must outlive it
                log.exception("timer sweep failed")
                wait = TICK_SECONDS
            self._wake.wait(wait)
            self._wake.clear()

    def _until_next(self) -> float:
        """Sleep until the next timer is due (at most a tick: a new timer may be armed meanwhile)."""
        due = self._store.next_due()
        return TICK_SECONDS if due is None else min(TICK_SECONDS, max(due - self._clock.time(), 0.005))

    def fire_due(self) -> int:
        """Fire every timer due now, each once; returns how many fired. Timers due together fire in
        batches, one transaction each, every timer in a savepoint of its own."""
        fired = 0
        while timers := self._store.due_timers(self._clock.time(), limit=BATCH):
            now = self._clock.time()
            batch = self._fire(timers, now)
            fired += batch
            if batch == 0:
                break
        return fired

    def _fire(self, timers: list[Timer], now: float) -> int:
        steps = [self._step(timer, now) for timer in timers]
        results = self._store.run_steps(steps, now)
        crash.point("scheduler.after_commit")
        spent = []
        for timer, result in zip(timers, results, strict=True):
            if isinstance(
                result, Exception
            ):  # one broken handler must not stop the others, nor lose its timer
                log.error(
                    "timer handler failed; retrying later",
                    exc_info=result,
                    extra={"kind": timer.kind, "key": timer.key},
                )
                self._store.defer_timer(timer.id, now + RETRY_SECONDS)
            elif result is None:  # its effects were void: the timer is spent all the same, or it would spin
                log.warning("timer's effects were void", extra={"kind": timer.kind, "key": timer.key})
                spent.append(timer)
            elif self._metrics is not None:
                self._metrics.timer_lateness.labels(timer.kind).observe(max(now - timer.due_at, 0.0))
        if spent:
            self._store.run_steps([lambda t=t: Effects.of(claim(t, now)) for t in spent], now)
        return sum(not isinstance(r, Exception) for r in results)

    def _step(self, timer: Timer, now: float):
        handler = self._handlers.get(timer.kind)
        if handler is None:
            log.error("no handler for timer kind", extra={"kind": timer.kind, "key": timer.key})
            return lambda: Effects.of(claim(timer, now))
        return lambda: Effects.of(claim(timer, now)) + handler(timer, max(now - timer.due_at, 0.0))
