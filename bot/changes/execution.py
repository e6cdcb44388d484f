"""Executing an approved change (worker job "execute"): claim it (approved -> executing, with the card
and a keyed progress line in the same commit), re-check what the plan was made against, apply it while
the progress line follows, and return the end (state, card, outcome, audit, follow-ups) for the worker
to commit with the job's close. A crash in between resumes the same job; the keyed posts appear once."""

from __future__ import annotations

from typing import Callable

from bot import crash, messages
from bot.changes import card
from bot.errors import describe
from bot.state import Approval, Effects, Job, JobResult, NewJob, Store
from bot.state import approvals as rows
from commands.blockkit import escape
from commands.change import ChangeOutcome, load_plan
from commands.deps import Deps
from commands.spec import CommandSpec

FollowUp = Callable[[Approval], NewJob]  # what else starts when a change of that command succeeds


class Execution:
    def __init__(
        self,
        store: Store,
        deps: Deps,
        clock,
        find: Callable[[str], CommandSpec | None],
        follow_ups: dict[str, FollowUp],
        on_backend_error: Callable[[str], None] = lambda system: None,
    ):
        self._store, self._deps, self._clock, self._find = store, deps, clock, find
        self._follow_ups, self._on_backend_error = follow_ups, on_backend_error

    def run(self, job: Job) -> JobResult:
        approval = self._store.approval(job.payload["approval_id"])
        if approval is None:
            return JobResult("skipped", error="approval not found", audited=True)
        resumed = approval.state == "executing" and job.attempts > 1
        if not resumed and not self._begin(approval):
            return JobResult("skipped", error=f"approval is {approval.state}", audited=True)
        if resumed:
            self._store.commit(
                Effects.of(_reply(approval, _RESUMED, key=f"approval:{approval.id}:resumed:{job.attempts}")),
                self._clock.time(),
            )
        outcome, moved = self._apply(approval)
        crash.point("execute.after_apply")
        return self._end(approval, outcome, moved)

    def _begin(self, approval: Approval) -> bool:
        executing = approval.model_copy(update={"state": "executing"})
        plan = load_plan(approval.plan, self._find(approval.command).plan_data)
        fx = Effects.of(
            rows.move(approval.id, "approved", "executing", self._clock.time()),
            _card(executing, self._store.votes(approval.id)),
            _reply(approval, f"▶️ {escape(plan.title)}: starting", key=card.progress_key(approval.id)),
        )
        begun = self._store.commit(fx, self._clock.time()) is not None
        crash.point("execute.after_begin")
        return begun

    def _apply(self, approval: Approval) -> tuple[ChangeOutcome, list[str]]:
        spec = self._find(approval.command)
        plan = load_plan(approval.plan, spec.plan_data)

        def progress(line: str) -> None:
            text = f"▶️ {escape(line)}"
            self._store.commit(
                Effects.of(messages.update(approval.channel, card.progress_key(approval.id), text)),
                self._clock.time(),
            )

        try:
            moved = spec.check(plan, self._deps) if spec.check else []
            if moved:
                return ChangeOutcome(ok=False, summary=_STALE, details=moved), moved
            return spec.apply(plan, self._deps, progress), []
        except Exception as exc:
            said = describe(exc, "change", approval_id=approval.id)
            if said.system:
                self._on_backend_error(said.system)
            return ChangeOutcome(ok=False, summary=said.text.lstrip("❔⛔⚠️💥 ")), []

    def _end(self, approval: Approval, outcome: ChangeOutcome, moved: list[str]) -> JobResult:
        state = "stale" if moved else "succeeded" if outcome.ok else "failed"
        result = {**outcome.model_dump(), "moved": moved}
        ended = approval.model_copy(update={"state": state, "result": result})
        text, blocks = card.outcome_blocks(outcome)
        follow_up = self._follow_ups.get(approval.command) if outcome.ok else None
        fx = Effects.of(
            rows.move(approval.id, "executing", state, self._clock.time(), result=result),
            _card(ended, self._store.votes(approval.id)),
            messages.post(
                approval.channel,
                text,
                blocks,
                key=f"approval:{approval.id}:outcome",
                thread_key=card.key(approval.id),
            ),
            messages.audit_entry(self._clock.now(), _who(approval), state, detail=outcome.summary),
            follow_up(approval) if follow_up else None,
        )
        return JobResult(state, fx, "" if outcome.ok else outcome.summary, audited=True)


_RESUMED = (
    "⚠️ The bot restarted while this change was running. Resuming: the target state is applied "
    "again (harmless if already done) and followed to the end."
)
_STALE = "Nothing was changed: the world moved since this was planned. Ask again to plan against it as it is."


def _card(approval: Approval, votes):
    text, blocks = card.card(approval, votes)
    return messages.update(approval.channel, card.key(approval.id), text, blocks)


def _reply(approval: Approval, text: str, key: str | None = None):
    return messages.post(approval.channel, text, key=key, thread_key=card.key(approval.id))


def _who(approval: Approval) -> dict:
    return {
        "user": approval.requester,
        "verb": approval.command,
        "channel": approval.channel,
        "text": f"#{approval.id} {approval.text}",
    }
