"""Runs commands after the ack. A job is a row before it is work: the ack path inserts it, a worker
thread claims it (compare-and-set), runs the command, and queues its posts in the same transaction
that closes the job. Jobs a crash interrupted run again on start-up."""
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
from bot.registry import find
from bot.state import Job, Post, Store
from commands.deps import Deps
from commands.errors import CommandError
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

class Worker:
    def __init__(self, store: Store, deps: Deps, metrics: Metrics, threads: int = 4, clock=None):
        self._store, self._deps, self._metrics = store, deps, metrics
        self._clock = clock or SystemClock()
        self._queue: queue.Queue[int | None] = queue.Queue()
        self.on_finished: Callable[[], None] = lambda: None  # the outbox's poke
        self._threads = [threading.Thread(target=self._loop, name=f"worker-{i}", daemon=True) for i in range(threads)]

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
            job = self._store.claim_job(job_id, self._clock.time())
            if job is not None:
                self.run(job)

    def run(self, job: Job) -> None:
        request_id.set(job.payload.get("request_id", ""))
        started = time.perf_counter()
        outcome, posts, error = self._execute(job)
        self._store.finish_job(job.id, "failed" if error else "done", self._clock.time(), error, posts)
        self.on_finished()
        duration = time.perf_counter() - started
        verb = job.payload["verb"]
        self._metrics.command_seconds.labels(verb, outcome).observe(duration)
        messages.audit(self._store, self._clock, job.payload, outcome, duration, error)

    def _execute(self, job: Job) -> tuple[str, list[Post], str]:
        p = job.payload
        spec = find(p["verb"])
        try:
            result = spec.run(p["args"], self._deps)
        except CommandError as exc:
            return "usage", [messages.ephemeral(p, messages.usage(exc.message, spec)["text"])], exc.message
        except IntegrationError as exc:
            self._metrics.backend_errors.labels(exc.system).inc()
            return "unavailable", [messages.ephemeral(p, messages.unavailable(exc))], exc.message
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("command failed", extra={"ref": ref, "verb": p["verb"]})
            return "error", [messages.ephemeral(p, messages.internal_error(ref))], f"ref {ref}"
        key = f"job:{job.id}:answer"
        posts = [messages.channel_post(p, spec.render(result), messages.fallback_text(spec, result), key)]
        posts += [messages.file_post(p["channel"], f, key) for f in (spec.files(result) if spec.files else [])]
        return "ok", posts, ""
