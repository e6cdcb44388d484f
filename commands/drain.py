"""`/llm maintenance start` and `finish`, the manual's drain and restore, as change commands: start
records every Deployment's replica count and scales all to 0; finish restores the recorded counts,
waits until ready, runs the smoke test and closes the drain. Both plans are target states."""

from __future__ import annotations

from commands import scale
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.maintenance_windows import describe
from commands.smoke import metrics_check, smoke_test
from commands.spec import DRY_RUN, CommandSpec


def plan_start(args: dict, deps: Deps) -> ChangePlan:
    if (drain := deps.calendar.open_drain()) is not None:
        raise CommandError(
            f"The platform is already drained (recorded: {_counts(drain.counts)}); "
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
        health=[f"replica counts recorded for the restore: {_counts(counts)}"],
        warnings=warnings,
        data={
            "counts": counts,
            "window_key": window.key if window else f"adhoc-{now:%Y-%m-%dT%H:%MZ}",
            "by": args.get("_user", ""),
        },
    )


def apply_start(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    drain = deps.calendar.record_drain(plan.data["window_key"], plan.data["counts"], plan.data.get("by", ""))
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
    )


def plan_finish(args: dict, deps: Deps) -> ChangePlan:
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
        health=[
            f"drained since the request approved at <!date^{int(drain.drained_at)}^{{date_short}} {{time}}|then>"
        ],
        data={"drain_id": drain.id, "counts": drain.counts, "window_key": drain.window_key},
    )


def apply_finish(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    counts, namespace = plan.data["counts"], deps.platform.namespace
    for name, replicas in counts.items():
        deps.kube.scale_deployment(namespace, name, replicas)
    results = {name: scale.follow(deps, name, progress) for name in counts}
    failed = [f"{name}: {r.reason}" for name, r in results.items() if not r.ok]
    restored = ", ".join(f"{name} {n}" for name, n in counts.items())
    if failed:  # the drain stays open: finish can be asked for again once the cause is fixed
        return ChangeOutcome(ok=False, summary=f"Restore incomplete ({restored})", details=failed)
    progress("smoke test: inference, RAG and pods")
    checks = smoke_test(deps, deps.calendar.settings.smoke, counts)
    ok = all(c.ok for c in checks)
    smoke = (
        f"Smoke test passed ({len(checks)} checks)."
        if ok
        else "Smoke test FAILED: " + "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok) + "."
    )
    window_text = deps.calendar.describe_key(plan.data["window_key"])
    deps.calendar.restored(plan.data["drain_id"], window_text, f"Restored {restored}. {smoke}", ok)
    details = [f"{'✅' if c.ok else '❌'} {c.name}: {c.detail}" for c in checks]
    return ChangeOutcome(ok=ok, summary=f"Restored {restored}. {smoke}", details=details)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


SPECS = (
    CommandSpec(
        name="maintenance start",
        summary="Drain for maintenance: record replica counts, scale all to 0 (needs approval)",
        example="/llm maintenance start",
        role="operator",
        changes=True,
        options=(DRY_RUN,),
        plan=plan_start,
        apply=apply_start,
    ),
    CommandSpec(
        name="maintenance finish",
        summary="Restore the recorded replica counts and run the smoke test (needs approval)",
        example="/llm maintenance finish",
        role="operator",
        changes=True,
        options=(DRY_RUN,),
        plan=plan_finish,
        apply=apply_finish,
    ),
)

__all__ = ["SPECS", "metrics_check"]
