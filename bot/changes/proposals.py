"""The worker job "change": plan the change against the world as it is now (the command's `plan`,
which reads the backends), then hand the plan to the approval engine, or show it for a --dry-run."""

from __future__ import annotations

from typing import Callable

from bot import messages
from bot.answers import guarded, request
from bot.changes import card
from bot.changes.approvals import Approvals
from bot.interactions import Click
from bot.rbac import role_allows
from bot.state import Effects, Job, JobResult, NewJob
from commands.blockkit import code
from commands.deps import Deps
from commands.spec import CommandSpec

CHANGE = "change"


def request_change(
    find: Callable[[str], CommandSpec | None], click: Click, verb: str, args: dict, text: str
) -> Effects:
    """A button that asks for a change: the clicker becomes the requester, as if they had typed it."""
    spec = find(verb)
    if not role_allows(click.role, spec.role):
        return Effects(
            reply=f"`/llm {verb}` needs the {spec.role} role (yours: {click.role or 'none'}); "
            "nothing changed."
        )
    job = {**click.as_job(verb, text), "args": args}
    return Effects.of(NewJob(CHANGE, job), reply=f"Asking for approval: {code('/llm ' + text)}…")


class Proposals:
    def __init__(
        self,
        approvals: Approvals,
        deps: Deps,
        find: Callable[[str], CommandSpec | None],
        on_backend_error: Callable[[str], None] = lambda system: None,
    ):
        self._approvals, self._deps, self._find, self._on_backend_error = (
            approvals,
            deps,
            find,
            on_backend_error,
        )

    def run(self, job: Job) -> JobResult:
        spec = self._find(job.payload["verb"])
        return guarded(job.payload, spec, lambda: self._propose(job, spec), self._on_backend_error)

    def _propose(self, job: Job, spec: CommandSpec) -> JobResult:
        p = job.payload
        plan = spec.plan(request(spec, p), self._deps)
        if p.get("args", {}).get("dry_run"):
            return JobResult("dry-run", Effects.of(messages.ephemeral(p, card.preview(plan, p["text"]))))
        return JobResult("requested", self._approvals.propose(job.id, p, plan), audited=True)
