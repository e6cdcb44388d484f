"""While a canary runs, one message in the channel shows it against stable and is edited in place
every `canary.status_update_seconds`, until the canary is promoted or aborted. A repeating timer
starts a worker job (Prometheus and Kubernetes are never read in the scheduler), and the job's
effects re-arm the timer with the update they post."""

from __future__ import annotations

from bot import messages
from bot.errors import describe
from bot.state import Approval, CancelTimer, Effects, Job, JobResult, NewJob, SetTimer, Store
from commands import canary
from commands.blockkit import escape
from commands.canary_status import CanaryStatusRequest
from commands.deps import Deps

TIMER = "canary.watch"
JOB = "canary-watch"


def start(approval: Approval) -> NewJob:
    """After `/llm canary start` succeeded: post now, then keep the message fresh."""
    return NewJob(JOB, {"key": f"canary:watch:{approval.id}", "channel": approval.channel})


class CanaryWatch:
    def __init__(self, store: Store, deps: Deps, clock):
        self._store, self._deps, self._clock = store, deps, clock

    def on_timer(self, timer, late: float) -> Effects:
        return Effects.of(NewJob(JOB, timer.payload))

    def run(self, job: Job) -> JobResult:
        key, channel = job.payload["key"], job.payload["channel"]
        method = messages.update if self._store.message(key) or job.payload.get("posted") else _post
        again = SetTimer(
            TIMER,
            key,
            self._clock.time() + self._deps.canary.status_update_seconds,
            {**job.payload, "posted": True},
        )
        try:
            result = canary.status(CanaryStatusRequest(), self._deps)
        except Exception as exc:  # a backend failure costs one refresh, not the rest of the watch
            said = describe(exc, "canary watch")
            text = f"❔ Canary status unavailable for now: {escape(said.text)} Retrying."
            return JobResult(said.outcome, Effects.of(method(channel, key, text, _section(text)), again))
        if result.canary is None:
            text = "🏁 The canary has ended (promoted or aborted); this message is no longer updated."
            return JobResult(
                "ok", Effects.of(method(channel, key, text, _section(text)), CancelTimer(TIMER, key))
            )
        text = canary.render_text(result)[:3000]
        return JobResult("ok", Effects.of(method(channel, key, text, canary.render_status(result)), again))


def _post(channel: str, key: str, text: str, blocks: list[dict]):
    return messages.post(channel, text, blocks, key=key)


def _section(text: str) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
