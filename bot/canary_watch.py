"""While a canary runs, one message in the channel shows it against stable and is edited in place
every `canary.status_update_seconds`, until the canary is promoted or aborted. A repeating timer
drives it; the work (Prometheus, Kubernetes) runs as a worker job, never in the scheduler loop."""
from __future__ import annotations

from typing import Callable

from bot.state import Approval, Job, JobResult, Post, Store
from commands import canary
from commands.deps import Deps

TIMER = "canary.watch"
JOB = "canary-watch"


class CanaryWatch:
    def __init__(self, store: Store, deps: Deps, clock, submit: Callable[[str, dict], int]):
        self._store, self._deps, self._clock, self._submit = store, deps, clock, submit

    def start(self, approval: Approval) -> None:
        """After `/llm canary start` succeeded: post now, then keep the message fresh."""
        self._submit(JOB, {"key": f"canary:watch:{approval.id}", "channel": approval.channel})

    def on_timer(self, timer, late: float) -> None:
        self._submit(JOB, timer.payload)

    def run(self, job: Job) -> JobResult:
        key, channel = job.payload["key"], job.payload["channel"]
        result = canary.status({}, self._deps)
        text = canary.render_text(result)
        if result.canary is None:
            text = "🏁 The canary has ended (promoted or aborted); this message is no longer updated."
        method = "chat.update" if self._store.message(key) or job.payload.get("posted") else "chat.postMessage"
        body = {"channel": channel, "text": text[:3000], "blocks": canary.render_status(result)}
        if result.canary is None:
            body["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        else:
            due = self._clock.time() + self._deps.canary.status_update_seconds
            self._store.reschedule(TIMER, key, due, self._clock.time(), {**job.payload, "posted": True})
        return JobResult("ok", [Post(method, channel, body, key=key)])
