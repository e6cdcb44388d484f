"""Applying an engine step's Effects: its writes (each compare-and-set checked), posts, jobs, timers
and audit rows, in one transaction. A write that changes the wrong number of rows rolls the whole
step back: someone else moved the state first, and the step's conclusions no longer hold."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from bot.state.effects import CancelTimer, Effects

log = logging.getLogger(__name__)


class Conflict(Exception):
    """A compare-and-set write missed: the step is void."""


@dataclass
class Committed:
    """What a commit created: the new job ids (so the worker can be woken) and outbox ids."""

    jobs: list[int] = field(default_factory=list)
    posts: list[int] = field(default_factory=list)


class Commits:
    def commit(self, fx: Effects, now: float) -> Committed | None:
        """Apply `fx` atomically; None (and nothing applied) when a compare-and-set missed."""
        return self.run_step(lambda: fx, now)[1]

    def run_step(self, step: Callable[[], Effects], now: float) -> tuple[Effects, Committed | None]:
        """Run `step` (reads only) and commit what it returns, all under one transaction, so what it
        read cannot change before its effects land."""
        fx = Effects()
        try:
            with self._transaction() as conn:
                fx = step()
                done = self._apply(conn, fx, now)
        except Conflict as missed:
            log.info("step void: state moved first", extra={"write": str(missed)})
            return fx, None
        for listener in self.listeners:
            listener(done)
        return fx, done

    def run_steps(self, steps: list[Callable[[], Effects]], now: float) -> list[Committed | None | Exception]:
        """Many independent steps in one transaction, each in a savepoint of its own: one that misses its
        compare-and-set (None) or raises (the exception) is undone alone. For timers firing together."""
        results: list[Committed | None | Exception] = []
        with self._transaction() as conn:
            for step in steps:
                results.append(self._savepoint(conn, step, now))
        merged = Committed(
            [i for r in results if isinstance(r, Committed) for i in r.jobs],
            [i for r in results if isinstance(r, Committed) for i in r.posts],
        )
        for listener in self.listeners:
            listener(merged)
        return results

    def _savepoint(self, conn, step: Callable[[], Effects], now: float) -> Committed | None | Exception:
        conn.execute("SAVEPOINT step")
        try:
            done = self._apply(conn, step(), now)
        except Exception as exc:  # Conflict or a handler's bug: this step only is undone
            conn.execute("ROLLBACK TO step")
            conn.execute("RELEASE step")
            return None if isinstance(exc, Conflict) else exc
        conn.execute("RELEASE step")
        return done

    def _apply(self, conn, fx: Effects, now: float) -> Committed:
        for write in fx.writes:
            changed = conn.execute(write.sql, write.params).rowcount
            if write.expect is not None and changed != write.expect:
                raise Conflict(write.what or write.sql)
        done = Committed()
        done.posts = [i for post in fx.posts if (i := self._insert_post(conn, post, now)) is not None]
        done.jobs = [i for job in fx.jobs if (i := self._insert_job(conn, job, now)) is not None]
        for timer in fx.timers:
            if isinstance(timer, CancelTimer):
                self._cancel_timer(conn, timer)
            else:
                self._set_timer(conn, timer, now)
        for entry in fx.audit:
            self._insert_audit(conn, entry)
        return done
