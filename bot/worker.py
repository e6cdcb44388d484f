"""Runs work after the ack. A job is a row before it is work: whoever starts it commits the row (with
the state change that caused it), a worker thread claims it (compare-and-set), runs the handler for
its kind, and commits the job's close together with the effects the handler returned. Jobs a crash
interrupted run again on start-up; `run_pending` runs them in the caller's thread (tests, settle)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Mapping

from bot import crash
from bot.errors import describe
from bot.logs import request_id
from bot.messages import audit_entry
from bot.metrics import Metrics
from bot.state import Effects, Job, JobResult, Store

log = logging.getLogger(__name__)

Handler = Callable[[Job], JobResult]
IDLE_POLL_SECONDS = 0.5  # a missed wake-up costs at most this


class Worker:
    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        handlers: Mapping[str, Handler],
        clock,
        threads: int = 4,
        failure: Callable[[Job, str], Effects] = lambda job, text: Effects(),
    ):
        self._store, self._metrics, self._handlers, self._clock = store, metrics, dict(handlers), clock
        self._failure = failure  # what to tell the person who asked when a job fails unexpectedly
        self._threads = [
            threading.Thread(target=self._loop, name=f"worker-{i}", daemon=True) for i in range(threads)
        ]
        self._wake = threading.Condition()
        self._generation = 0
        self._stop = threading.Event()

    def start(self) -> None:
        self.recover()
        for thread in self._threads:
            thread.start()

    def recover(self) -> None:
        resumed = self._store.requeue_interrupted(self._clock.time())
        if resumed:
            log.info("resuming jobs left running by a previous run", extra={"jobs": resumed})

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def wake(self, *_ignored) -> None:
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def run_pending(self, limit: int = 1000) -> int:
        """Run pending jobs in this thread, oldest first, until none is left; returns how many ran."""
        ran = 0
        while ran < limit and (job := self._store.claim_next_job(self._clock.time())) is not None:
            self.run(job)
            ran += 1
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            generation = self._generation
            try:
                job = self._store.claim_next_job(self._clock.time())
            except Exception:  # the store hiccuped: the thread must outlive it
                log.exception("worker could not claim a job")
                job = None
            if job is not None:
                self.run(job)
                continue
            with self._wake:
                if generation == self._generation and not self._stop.is_set():
                    self._wake.wait(IDLE_POLL_SECONDS)

    def run(self, job: Job) -> None:
        request_id.set(job.payload.get("request_id", ""))
        started = time.perf_counter()
        result = self._handle(job)
        crash.point("worker.before_commit")
        state, seconds = "failed" if result.error else "done", time.perf_counter() - started
        close = Effects.of(self._store.finish_job_write(job.id, state, self._clock.time(), result.error))
        if not result.audited and "verb" in job.payload:
            close += Effects.of(
                audit_entry(self._clock.now(), job.payload, result.outcome, seconds, result.error)
            )
        then = result.then or Effects
        _, done = self._store.run_step(lambda: close + result.effects + then(), self._clock.time())
        if done is None:
            log.warning("job's effects were void: the state moved meanwhile", extra={"job_id": job.id})
            self._store.commit(close, self._clock.time())
        crash.point("worker.after_commit")
        self._metrics.command_seconds.labels(job.payload.get("verb", job.kind), result.outcome).observe(
            seconds
        )

    def _handle(self, job: Job) -> JobResult:
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("no handler for job kind", extra={"job_id": job.id, "kind": job.kind})
            return JobResult("unknown", error=f"no handler for {job.kind}")
        try:
            return handler(job)
        except Exception as exc:  # a handler bug: logged with a reference the person who asked is given
            said = describe(exc, "job", job_id=job.id, kind=job.kind)
            return JobResult(said.outcome, self._failure(job, said.text), error=said.log_text)
