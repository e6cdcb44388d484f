"""`/llm nodes scale <nodegroup> <desired> [--min N] [--max N]`: the manual's `aws eks
update-nodegroup-config`, validated, approved, and followed until EKS reports the update done."""

from __future__ import annotations

import time

from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, CommandSpec, Option
from integrations.eks import Scaling
from integrations.errors import NotFound

POLL_SECONDS = 5.0


def plan(args: dict, deps: Deps) -> ChangePlan:
    name, desired = args["nodegroup"], args["desired"]
    try:
        group = deps.eks.nodegroup(deps.cluster, name)
    except NotFound:
        known = ", ".join(f"`{g}`" for g in deps.eks.list_nodegroups(deps.cluster)) or "none"
        raise CommandError(f"Cluster {deps.cluster} has no node group `{name}`; it has {known}.") from None
    low = group.min_size if args.get("min") is None else args["min"]
    high = group.max_size if args.get("max") is None else args["max"]
    if not 0 <= low <= desired <= high:
        raise CommandError(
            f"Sizes must satisfy 0 ≤ min ≤ desired ≤ max; got min {low}, desired {desired}, max {high}."
        )
    changes = [
        Change(target=f"nodegroup/{name}", field=field, old=str(old), new=str(new))
        for field, old, new in (
            ("desired", group.desired_size, desired),
            ("min", group.min_size, low),
            ("max", group.max_size, high),
        )
        if old != new
    ]
    if not changes:
        raise CommandError(f"{name} already has desired {desired}, min {low}, max {high}; nothing to change.")
    return ChangePlan(
        title=f"Resize node group {name}",
        changes=changes,
        health=[f"{group.status}, {', '.join(group.instance_types)}"],
        data={"nodegroup": name, "desired": desired, "min": low, "max": high},
    )


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    d = plan.data
    expected = Scaling(desired_size=d["desired"], min_size=d["min"], max_size=d["max"])
    group = deps.eks.nodegroup(deps.cluster, d["nodegroup"])
    if (group.desired_size, group.min_size, group.max_size) == (d["desired"], d["min"], d["max"]):
        # a resumed run (or someone else) got there already: EKS would refuse the same update again
        return ChangeOutcome(
            ok=True,
            summary=f"Node group {d['nodegroup']} is at desired {d['desired']} "
            f"(min {d['min']}, max {d['max']}).",
        )
    update_id = deps.eks.resize(deps.cluster, d["nodegroup"], d["desired"], d["min"], d["max"])
    deadline = time.monotonic() + deps.platform.rollout_timeout_seconds
    while True:
        status = deps.eks.update_status(deps.cluster, d["nodegroup"], update_id, expected)
        progress(f"node group {d['nodegroup']}: update {status.status}")
        if status.status == "Successful":
            return ChangeOutcome(
                ok=True,
                summary=f"Node group {d['nodegroup']} resized to desired {d['desired']} "
                f"(min {d['min']}, max {d['max']}).",
            )
        if status.status in ("Failed", "Cancelled") or time.monotonic() > deadline:
            return ChangeOutcome(
                ok=False,
                summary=f"Node group {d['nodegroup']} update {status.status.lower()}.",
                details=status.errors,
            )
        time.sleep(POLL_SECONDS)


SPEC = CommandSpec(
    name="nodes scale",
    summary="Resize an EKS node group (needs approval)",
    example="/llm nodes scale a100-node-group 3",
    role="operator",
    changes=True,
    args=(
        Arg("nodegroup", "the EKS node group, e.g. a100-node-group"),
        Arg("desired", "desired node count", kind="int", minimum=0),
    ),
    options=(
        Option("min", "new minimum size", kind="int"),
        Option("max", "new maximum size", kind="int"),
        DRY_RUN,
    ),
    plan=plan,
    apply=apply,
)
