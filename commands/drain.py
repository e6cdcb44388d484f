"""`/llm maintenance start` and `finish`, the manual's drain and restore, as change commands: start
records every Deployment's replica count and scales all to 0, re-checked before it runs against the
counts it was planned from; finish (commands.drain_finish) restores them and runs the smoke test."""

from __future__ import annotations

from pydantic import BaseModel

from commands import drain_finish, scale
from commands import preconditions as pre
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.maintenance_windows import describe
from commands.smoke import metrics_check
from commands.spec import DRY_RUN, ChangeRequest, CommandSpec


class MaintenanceStartRequest(ChangeRequest):
    pass


class MaintenanceStartPlan(BaseModel):
    counts: dict[str, int]  # planned against: every Deployment's replicas; the target is 0 each
    window_key: str
    by: str = ""


def plan_start(request: MaintenanceStartRequest, deps: Deps) -> ChangePlan:
    if (drain := deps.calendar.open_drain()) is not None:
        raise CommandError(
            f"The platform is already drained (recorded: {pre.counts(drain.counts)}); "
            "run `/llm maintenance finish` first."
        )
    now, namespace = deps.now(), deps.platform.namespace
    counts = {d.name: d.replicas for d in deps.kube.list_deployments(namespace)}
    window = deps.calendar.current(now)
    warnings = ["Inference and RAG stop serving until `/llm maintenance finish`."]
    if window is None:
        upcoming = deps.calendar.next_window(now)
        warnings.append(
            "No maintenance window is open now"
            + (f"; the next is {describe(upcoming)}." if upcoming else ".")
        )
    return ChangePlan(
        title=f"Maintenance drain: scale every Deployment in {namespace} to 0",
        changes=[
            Change(target=f"deployment/{name}", field="replicas", old=str(n), new="0")
            for name, n in counts.items()
        ],
        health=[f"replica counts recorded for the restore: {pre.counts(counts)}"],
        warnings=warnings,
        data=MaintenanceStartPlan(
            counts=counts,
            window_key=window.key if window else f"adhoc-{now:%Y-%m-%dT%H:%MZ}",
            by=request.requester,
        ),
    )


def check_start(plan: ChangePlan, deps: Deps) -> list[str]:
    """Unmoved: no other drain, and each Deployment still at its recorded count or at 0 already."""
    data: MaintenanceStartPlan = plan.data
    drain = deps.calendar.open_drain()
    if drain is not None and (drain.window_key, drain.counts) != (data.window_key, data.counts):
        return [f"the platform was drained meanwhile (recorded: {pre.counts(drain.counts)})"]
    now = {d.name: d.replicas for d in deps.kube.list_deployments(deps.platform.namespace)}
    return pre.moved_counts(now, data.counts, {name: 0 for name in data.counts}) + [
        f"deployment {name} appeared since; its replicas would not be recorded"
        for name in now.keys() - data.counts
    ]


def apply_start(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: MaintenanceStartPlan = plan.data
    drain = deps.calendar.record_drain(data.window_key, data.counts, data.by)
    for name in drain.counts:  # a row first, then the action: the counts survive whatever happens next
        deps.kube.scale_deployment(deps.platform.namespace, name, 0)
    results = {name: scale.follow(deps, name, progress) for name in drain.counts}
    failed = [f"{name}: {r.reason}" for name, r in results.items() if not r.ok]
    drained = ", ".join(f"{name} {n} → 0" for name, n in drain.counts.items())
    if failed:
        return ChangeOutcome(ok=False, summary=f"Drain incomplete ({drained})", details=failed)
    return ChangeOutcome(
        ok=True,
        summary=f"Drained: {drained}. The counts are recorded; `/llm maintenance finish` restores them.",
        health=pre.replicas_after(deps),
    )


SPECS = (
    CommandSpec(
        name="maintenance start",
        summary="Drain for maintenance: record replica counts, scale all to 0 (needs approval)",
        example="/llm maintenance start",
        role="operator",
        changes=True,
        options=(DRY_RUN,),
        request=MaintenanceStartRequest,
        plan_data=MaintenanceStartPlan,
        plan=plan_start,
        check=check_start,
        apply=apply_start,
    ),
    drain_finish.SPEC,
)

__all__ = ["SPECS", "metrics_check"]
