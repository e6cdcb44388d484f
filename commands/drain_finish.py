"""`/llm maintenance finish`, the manual's restore: the recorded replica counts back, every pod ready,
the smoke test, the drain closed; re-checked before it runs against the drain it was planned from."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel

from commands import preconditions as pre
from commands import scale
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.smoke import smoke_test
from commands.spec import DRY_RUN, ChangeRequest, CommandSpec


class MaintenanceFinishRequest(ChangeRequest):
    pass


class MaintenanceFinishPlan(BaseModel):
    drain_id: int  # the open drain planned against
    counts: dict[str, int]  # the target: the recorded counts
    window_key: str
    was: dict[str, int] = {}  # the replicas when planned


def plan_finish(request: MaintenanceFinishRequest, deps: Deps) -> ChangePlan:
    drain = deps.calendar.open_drain()
    if drain is None:
        raise CommandError("Nothing is drained: there are no recorded replica counts to restore.")
    current = {d.name: d.replicas for d in deps.kube.list_deployments(deps.platform.namespace)}
    return ChangePlan(
        title="Maintenance restore: recorded replica counts, then the smoke test",
        changes=[
            Change(target=f"deployment/{name}", field="replicas", old=str(current.get(name, 0)), new=str(n))
            for name, n in drain.counts.items()
        ],
        health=[f"drained since {datetime.fromtimestamp(drain.drained_at, timezone.utc):%Y-%m-%d %H:%M} UTC"],
        data=MaintenanceFinishPlan(
            drain_id=drain.id, counts=drain.counts, window_key=drain.window_key, was=current
        ),
    )


def check_finish(plan: ChangePlan, deps: Deps) -> list[str]:
    """Unmoved: the same drain still open (or closed by this very run), and each Deployment still at
    its count when planned or at its recorded count already."""
    data: MaintenanceFinishPlan = plan.data
    drain = deps.calendar.open_drain()
    now = {d.name: d.replicas for d in deps.kube.list_deployments(deps.platform.namespace)}
    if drain is None and any(now.get(name) != n for name, n in data.counts.items()):
        return [f"the drain #{data.drain_id} was closed meanwhile (maintenance finished by someone else?)"]
    if drain is not None and drain.id != data.drain_id:
        recorded = pre.counts(drain.counts)
        return [f"another drain is open now (recorded: {recorded}), planned against #{data.drain_id}"]
    return pre.moved_counts(now, {k: v for k, v in data.was.items() if k in data.counts}, data.counts)


def apply_finish(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: MaintenanceFinishPlan = plan.data
    counts, namespace = data.counts, deps.platform.namespace
    for name, replicas in counts.items():
        deps.kube.scale_deployment(namespace, name, replicas)
    results = {name: scale.follow(deps, name, progress) for name in counts}
    failed = [f"{name}: {r.reason}" for name, r in results.items() if not r.ok]
    restored = ", ".join(f"{name} {n}" for name, n in counts.items())
    if failed:  # the drain stays open: finish can be asked for again once the cause is fixed
        return ChangeOutcome(
            ok=False,
            summary=f"Restore incomplete ({restored})",
            details=failed,
            health=pre.replicas_after(deps),
        )
    progress("smoke test: inference, RAG and pods")
    checks = smoke_test(deps, deps.calendar.settings.smoke, counts)
    ok = all(c.ok for c in checks)
    smoke = (
        f"Smoke test passed ({len(checks)} checks)."
        if ok
        else "Smoke test FAILED: " + "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok) + "."
    )
    window_text = deps.calendar.describe_key(data.window_key)
    deps.calendar.restored(data.drain_id, window_text, f"Restored {restored}. {smoke}", ok)
    details = [f"{'✅' if c.ok else '❌'} {c.name}: {c.detail}" for c in checks]
    return ChangeOutcome(
        ok=ok, summary=f"Restored {restored}. {smoke}", details=details, health=pre.replicas_after(deps)
    )


SPEC = CommandSpec(
    name="maintenance finish",
    summary="Restore the recorded replica counts and run the smoke test (needs approval)",
    example="/llm maintenance finish",
    role="operator",
    changes=True,
    options=(DRY_RUN,),
    request=MaintenanceFinishRequest,
    plan_data=MaintenanceFinishPlan,
    plan=plan_finish,
    check=check_finish,
    apply=apply_finish,
)
