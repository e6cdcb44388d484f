"""Runs work after the ack. A job is a row before it is work: the ack path inserts it, a worker
thread claims it (compare-and-set), runs the handler for its kind, and queues its posts in the same
transaction that closes the job. Jobs a crash interrupted run again on start-up."""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from typing import Any, Callable

from bot import messages
from bot.clock import SystemClock
from bot.logs import request_id
from bot.metrics import Metrics
from bot.state import Job, JobResult, Store

log = logging.getLogger(__name__)

Handler = Callable[[Job], JobResult]


class Worker:
    def __init__(self, store: Store, metrics: Metrics, threads: int = 4, clock=None):
        self._store, self._metrics = store, metrics
        self._clock = clock or SystemClock()
        self.handlers: dict[str, Handler] = {}  # kind -> handler; filled in by the composition root
        self.on_finished: Callable[[], None] = lambda: None  # the outbox's poke
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._loop, name=f"worker-{i}", daemon=True) for i in range(threads)
        ]

    def start(self) -> None:
        for job in self._store.requeue_interrupted(self._clock.time()):
            log.info("resuming job left by a previous run", extra={"job_id": job.id, "kind": job.kind})
            self._queue.put(job.id)
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def submit(self, kind: str, payload: dict[str, Any]) -> int:
        job_id = self._store.add_job(kind, payload, self._clock.time())
        self._queue.put(job_id)
        return job_id

    def _loop(self) -> None:
        while (job_id := self._queue.get()) is not None:
            try:
                job = self._store.claim_job(job_id, self._clock.time())
                if job is not None:
                    self.run(job)
            except (
                Exception
            ):  # the store failed around a job: log it, keep the thread (the job reruns on start)
                log.exception("worker could not run a job", extra={"job_id": job_id})

    def run(self, job: Job) -> None:
        request_id.set(job.payload.get("request_id", ""))
        started = time.perf_counter()
        try:
            result = self.handlers[job.kind](job)
        except Exception:  # a handler bug: logged with a reference the person who asked is given
            ref = uuid.uuid4().hex[:8]
            log.exception("job handler failed", extra={"job_id": job.id, "kind": job.kind, "ref": ref})
            told = (
                [messages.ephemeral(job.payload, messages.internal_error(ref))]
                if job.payload.get("response_url")
                else []
            )
            result = JobResult("error", told, error=f"ref {ref}")
        self._store.finish_job(
            job.id, "failed" if result.error else "done", self._clock.time(), result.error, result.posts
        )
        self.on_finished()
        duration = time.perf_counter() - started
        verb = job.payload.get("verb", job.kind)
        self._metrics.command_seconds.labels(verb, result.outcome).observe(duration)
        if not result.audited and "verb" in job.payload:
            messages.audit(self._store, self._clock, job.payload, result.outcome, duration, result.error)
