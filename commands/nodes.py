"""`/llm nodes scale <nodegroup> <desired> [--min N] [--max N]`: the manual's `aws eks
update-nodegroup-config`, validated, approved, re-checked against the sizes it was planned against,
and followed until EKS reports the update done and, for a scale-up, until the new nodes are Ready in
the cluster (the manual's `kubectl wait --for=condition=ready node`), with nodes joining on the
progress line."""

from __future__ import annotations

from pydantic import BaseModel, field_validator, model_validator

from commands import nodegroup_wait
from commands.blockkit import code
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec, Option
from integrations.eks import NodeGroup, Scaling
from integrations.errors import NotFound

SIZES = "Sizes must satisfy 0 ≤ min ≤ desired ≤ max"


class NodesScaleRequest(ChangeRequest):
    nodegroup: str
    desired: int
    min: int | None = None
    max: int | None = None

    @field_validator("desired", "min", "max")
    @classmethod
    def _not_negative(cls, size: int | None) -> int | None:
        if size is not None and size < 0:
            raise ValueError(f"{SIZES}; a size of {size} is below 0.")
        return size

    @model_validator(mode="after")
    def _ordered(self) -> NodesScaleRequest:
        low = self.min if self.min is not None else 0
        high = self.max if self.max is not None else self.desired
        if not low <= self.desired <= high:
            given = {"min": self.min, "desired": self.desired, "max": self.max}
            raise ValueError(
                f"{SIZES}; got " + ", ".join(f"{k} {v}" for k, v in given.items() if v is not None) + "."
            )
        return self


class NodesScalePlan(BaseModel):
    nodegroup: str
    desired: int  # the target sizes
    min: int
    max: int
    was: tuple[int, int, int]  # (desired, min, max) when planned


def plan(request: NodesScaleRequest, deps: Deps) -> ChangePlan:
    name, desired = request.nodegroup, request.desired
    group = group_of(deps, name)
    low = group.min_size if request.min is None else request.min
    high = group.max_size if request.max is None else request.max
    if not 0 <= low <= desired <= high:
        raise CommandError(f"{SIZES}; got min {low}, desired {desired}, max {high}.")
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
        data=NodesScalePlan(nodegroup=name, desired=desired, min=low, max=high, was=sizes_of(group)),
    )


def group_of(deps: Deps, name: str) -> NodeGroup:
    try:
        return deps.eks.nodegroup(deps.cluster, name)
    except NotFound:
        known = ", ".join(code(g) for g in deps.eks.list_nodegroups(deps.cluster)) or "none"
        raise CommandError(
            f"Cluster {deps.cluster} has no node group {code(name[:60])}; it has {known}."
        ) from None


def sizes_of(group: NodeGroup) -> tuple[int, int, int]:
    return group.desired_size, group.min_size, group.max_size


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    data: NodesScalePlan = plan.data
    try:
        now = sizes_of(deps.eks.nodegroup(deps.cluster, data.nodegroup))
    except NotFound:
        return [f"node group {data.nodegroup} no longer exists"]
    if now in (data.was, (data.desired, data.min, data.max)):
        return []
    return [sizes_moved(data.nodegroup, now, data.was)]


def sizes_moved(nodegroup: str, now: tuple[int, int, int], planned: tuple[int, int, int]) -> str:
    """What moved in a node group's (desired, min, max) since a change was planned against it."""
    return (
        f"{nodegroup} has desired {now[0]} (min {now[1]}, max {now[2]}) now, "
        f"planned against desired {planned[0]} (min {planned[1]}, max {planned[2]})"
    )


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    d: NodesScalePlan = plan.data
    sizes = f"desired {d.desired} (min {d.min}, max {d.max})"
    # at the target already: a resumed run (or someone else); EKS would refuse the same update again
    if sizes_of(deps.eks.nodegroup(deps.cluster, d.nodegroup)) != (d.desired, d.min, d.max):
        scaling = Scaling(desired_size=d.desired, min_size=d.min, max_size=d.max)
        status = nodegroup_wait.resize(deps, d.nodegroup, scaling, progress)
        if status.status != "Successful":
            return ChangeOutcome(
                ok=False,
                summary=f"Node group {d.nodegroup} update {status.status.lower()}.",
                details=status.errors,
            )
    if d.desired > d.was[0]:  # a scale-up is done when the new nodes are Ready, not when EKS says so
        ready = nodegroup_wait.wait_ready(deps, d.nodegroup, d.desired, progress)
        if ready is None:
            return _not_ready(deps, d, sizes)
    return ChangeOutcome(
        ok=True, summary=f"Node group {d.nodegroup} resized to {sizes}.", health=after(deps, d.nodegroup)
    )


def _not_ready(deps: Deps, d: NodesScalePlan, sizes: str) -> ChangeOutcome:
    nodes = nodegroup_wait.members(deps, d.nodegroup)
    return ChangeOutcome(
        ok=False,
        summary=f"Node group {d.nodegroup} was resized to {sizes}, but after "
        f"{nodegroup_wait.duration(deps.platform.node_ready_timeout_seconds)} only "
        f"{sum(n.ready for n in nodes)} of {d.desired} nodes are Ready.",
        details=[f"{n.name}: NotReady" for n in nodes if not n.ready]
        + ["Check the node group's health in EKS and the new instances' kubelet logs."],
        health=after(deps, d.nodegroup),
    )


def after(deps: Deps, nodegroup: str) -> list[str]:
    """The node group as EKS reports it now, and its nodes the cluster sees Ready."""
    group = deps.eks.nodegroup(deps.cluster, nodegroup)
    nodes = nodegroup_wait.members(deps, nodegroup)
    ready = sum(n.ready for n in nodes)
    return [
        f"{nodegroup}: {group.status}, desired {group.desired_size} "
        f"(min {group.min_size}, max {group.max_size}); "
        f"{ready}/{len(nodes)} nodes Ready in the cluster"
    ]


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
    request=NodesScaleRequest,
    plan_data=NodesScalePlan,
    plan=plan,
    check=check,
    apply=apply,
)
