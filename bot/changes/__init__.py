"""The changes engine: approvals (propose, decide, expire, cancel), execution with its re-check of
what the plan was made against, the live canary watch, and the buttons on their cards. `wire` builds
it and says what it plugs into the runtime."""

from __future__ import annotations

from functools import partial
from typing import Callable

from bot.changes import canary_watch, card
from bot.changes.approvals import EXECUTE, EXPIRE, Approvals
from bot.changes.canary_watch import CanaryWatch
from bot.changes.execution import Execution
from bot.changes.proposals import CHANGE, Proposals, request_change
from bot.config import Settings
from bot.interactions import Click
from bot.plugs import Plugs
from bot.rbac import Rbac
from bot.state import Effects, NewJob, Store
from commands.blockkit import code
from commands.deps import Deps
from commands.spec import Arg, CommandSpec

SPECS = (
    CommandSpec(name="approvals", summary="List the changes waiting for approval", example="/llm approvals"),
    CommandSpec(
        name="approvals cancel",
        summary="Cancel a change you asked for while it waits for approval",
        example="/llm approvals cancel 12",
        role="operator",
        args=(Arg("id", "the request number shown on its card", kind="int", minimum=1),),
    ),
)


def wire(
    store: Store,
    settings: Settings,
    rbac: Rbac,
    deps: Deps,
    clock,
    find: Callable[[str], CommandSpec | None],
    on_backend_error: Callable[[str], None] = lambda system: None,
) -> Plugs:
    ask = partial(request_change, find)
    approvals = Approvals(store, settings.approvals, rbac, clock, find, ask)
    execution = Execution(store, deps, clock, find, {"canary start": canary_watch.start}, on_backend_error)
    proposals = Proposals(approvals, deps, find, on_backend_error)
    watch = CanaryWatch(store, deps, clock)

    def rollback(click: Click) -> Effects:
        if click.value not in deps.platform.deployments:
            return Effects(reply=f"{code(click.value)} is not a deployment llmbot manages; nothing changed.")
        return ask(click, "rollback", {"deployment": click.value}, f"rollback {click.value}")

    def resume() -> None:
        """An approved request whose execute job an older llmbot never wrote: write it (keyed: once)."""
        jobs = [
            NewJob(EXECUTE, {"approval_id": a.id}, key=f"execute:{a.id}")
            for a in store.approvals(("approved",))
        ]
        if jobs:
            store.commit(Effects.of(*jobs), clock.time())

    return Plugs(
        on_start=(resume,),
        jobs={CHANGE: proposals.run, EXECUTE: execution.run, canary_watch.JOB: watch.run},
        timers={EXPIRE: approvals.on_expire, canary_watch.TIMER: watch.on_timer},
        buttons={
            card.APPROVE: approvals.on_approve,
            card.REJECT: approvals.on_reject,
            card.RENEW: approvals.on_renew,
            card.ROLLBACK: rollback,
        },
        verbs={"approvals": approvals.on_list, "approvals cancel": approvals.on_cancel},
        specs=SPECS,
    )
