"""While a canary runs, one message in the channel shows it against stable and is edited in place
every `canary.status_update_seconds`, until the canary is promoted or aborted. A repeating timer
drives it; the work (Prometheus, Kubernetes) runs as a worker job, never in the scheduler loop."""

from __future__ import annotations

from typing import Callable

from bot.state import Approval, Job, JobResult, Post, Store
from commands import canary
from commands.deps import Deps
from integrations.errors import IntegrationError

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
        method = (
            "chat.update" if self._store.message(key) or job.payload.get("posted") else "chat.postMessage"
        )
        now = self._clock.time()
        # re-arm first: a backend failure below must cost one refresh, not the rest of the watch
        self._store.reschedule(
            TIMER, key, now + self._deps.canary.status_update_seconds, now, {**job.payload, "posted": True}
        )
        try:
            result = canary.status({}, self._deps)
        except IntegrationError as exc:
            self._deps.on_backend_error(exc.system)
            text = f"❔ Canary status unavailable for now: {exc.system}: {exc.message}. Retrying."
            return JobResult("unavailable", [Post(method, channel, _section(channel, text), key=key)])
        if result.canary is None:
            self._store.cancel_timer(TIMER, key)
            text = "🏁 The canary has ended (promoted or aborted); this message is no longer updated."
            return JobResult("ok", [Post(method, channel, _section(channel, text), key=key)])
        body = {
            "channel": channel,
            "text": canary.render_text(result)[:3000],
            "blocks": canary.render_status(result),
        }
        return JobResult("ok", [Post(method, channel, body, key=key)])


def _section(channel: str, text: str) -> dict:
    return {
        "channel": channel,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
