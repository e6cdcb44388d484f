"""`/llm scale-down [replicas] [nodes]`: the manual's scale-down as one approved change, in its order:
drain vLLM to N replicas, wait for the pods to terminate (platform.drain_timeout_seconds, 5 min), then
shrink the GPU node group. Refused at plan time when the remaining pods would not fit on the remaining
nodes; re-checked against the replica count and node group sizes it was planned against."""

from __future__ import annotations

from pydantic import BaseModel, Field

from commands import nodegroup_wait, scale
from commands import preconditions as pre
from commands import scale_down_fit as fits
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.nodes import after, group_of, sizes_moved, sizes_of
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec
from integrations.eks import NodeGroup, Scaling


class ScaleDownRequest(ChangeRequest):
    replicas: int | None = Field(None, ge=0)  # None: platform.scale_down_replicas
    nodes: int | None = Field(None, ge=0)  # None: the fewest nodes that hold the replicas (not below the min)


class ScaleDownPlan(BaseModel):
    deployment: str
    replicas: int  # targets
    nodegroup: str
    nodes: int
    was_replicas: int  # planned against
    was_sizes: tuple[int, int, int]  # the node group's (desired, min, max)
    fit: fits.Fit


def plan(request: ScaleDownRequest, deps: Deps) -> ChangePlan:
    name, group_name = deps.platform.vllm_deployment, deps.platform.gpu_nodegroup
    current, group = scale.existing(deps, name), group_of(deps, group_name)
    replicas = deps.platform.scale_down_replicas if request.replicas is None else request.replicas
    fit = fits.Fit(
        gpus_per_pod=fits.gpus_per_pod(deps, name), gpus_per_node=fits.gpus_per_node(deps, group_name)
    )
    nodes = fits.nodes_to_keep(request.nodes, fit, replicas, group)
    _refuse_growth(name, current.replicas, replicas, group, nodes)
    fits.check(fit, replicas, nodes, name)
    return ChangePlan(
        title=f"Scale down {name} and {group_name}",
        changes=[
            Change(
                target=f"deployment/{name}", field="replicas", old=str(current.replicas), new=str(replicas)
            ),
            Change(
                target=f"nodegroup/{group_name}", field="desired", old=str(group.desired_size), new=str(nodes)
            ),
        ],
        health=[
            f"{name}: {pre.ready(current)}",
            f"{group_name}: {group.status}, desired {group.desired_size} "
            f"(min {group.min_size}, max {group.max_size})",
            "fits: " + fit.describe(replicas, nodes),
        ],
        warnings=["Scaling to 0 stops serving entirely."] if replicas == 0 else [],
        data=ScaleDownPlan(
            deployment=name,
            replicas=replicas,
            nodegroup=group_name,
            nodes=nodes,
            was_replicas=current.replicas,
            was_sizes=sizes_of(group),
            fit=fit,
        ),
    )


def _refuse_growth(name: str, replicas_now: int, replicas: int, group: NodeGroup, nodes: int) -> None:
    if replicas > replicas_now or nodes > group.desired_size:
        raise CommandError(
            f"A scale-down only lowers: {name} has {replicas_now} replicas and {group.name} "
            f"{group.desired_size} node(s). To grow, use `/llm scale` and `/llm nodes scale`."
        )
    if (replicas, nodes) == (replicas_now, group.desired_size):
        raise CommandError(
            f"{name} already has {replicas} replicas and {group.name} {nodes} node(s); nothing to change."
        )


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    d: ScaleDownPlan = plan.data
    current = pre.deployment(deps, d.deployment)
    if current is None:
        return [pre.gone(d.deployment)]
    moved = []
    if not pre.as_planned(current.replicas, d.was_replicas, d.replicas):
        moved.append(pre.replicas_moved(d.deployment, current.replicas, d.was_replicas))
    sizes = sizes_of(deps.eks.nodegroup(deps.cluster, d.nodegroup))
    if sizes[0] not in (d.was_sizes[0], d.nodes) or sizes[1:] != d.was_sizes[1:]:
        moved.append(sizes_moved(d.nodegroup, sizes, d.was_sizes))
    return moved


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    d: ScaleDownPlan = plan.data
    deps.kube.scale_deployment(deps.platform.namespace, d.deployment, d.replicas)
    if drain(deps, d, progress) is None:
        return ChangeOutcome(
            ok=False,
            summary=f"{d.deployment}'s pods were still terminating after "
            f"{nodegroup_wait.duration(deps.platform.drain_timeout_seconds)}; "
            f"{d.nodegroup} was not shrunk.",
            health=scale.after(deps, d.deployment),
        )
    if deps.eks.nodegroup(deps.cluster, d.nodegroup).desired_size != d.nodes:
        status = nodegroup_wait.resize(deps, d.nodegroup, Scaling(desired_size=d.nodes), progress)
        if status.status != "Successful":
            return ChangeOutcome(
                ok=False,
                summary=f"{d.deployment} is at {d.replicas} replicas, but the {d.nodegroup} update "
                f"{status.status.lower()}.",
                details=status.errors,
            )
    left = _nodes_leave(deps, d, progress)
    return ChangeOutcome(
        ok=True,
        summary=f"Scaled down: {d.deployment} to {d.replicas} replica(s), "
        f"{d.nodegroup} to {d.nodes} node(s).",
        details=[] if left else [f"{d.nodegroup} still has more than {d.nodes} node(s) in the cluster"],
        health=scale.after(deps, d.deployment) + after(deps, d.nodegroup),
    )


def drain(deps: Deps, d: ScaleDownPlan, progress: Progress):
    """Wait until only the kept pods remain, none Terminating (the manual's wait before the nodes go)."""

    def gone(pods) -> bool:
        return len(pods) <= d.replicas and not any(p.status == "Terminating" for p in pods)

    return nodegroup_wait.poll_until(
        deps,
        lambda: deps.kube.pods_for(deps.platform.namespace, d.deployment),
        gone,
        lambda pods: f"Draining {d.deployment}: {len(pods)} pod(s) left, keeping {d.replicas}",
        progress,
        deps.platform.drain_timeout_seconds,
    )


def _nodes_leave(deps: Deps, d: ScaleDownPlan, progress: Progress):
    return nodegroup_wait.poll_until(
        deps,
        lambda: nodegroup_wait.members(deps, d.nodegroup),
        lambda nodes: len(nodes) <= d.nodes,
        lambda nodes: f"{d.nodegroup}: {len(nodes)} node(s) in the cluster, going to {d.nodes}",
        progress,
        deps.platform.node_ready_timeout_seconds,
    )


SPEC = CommandSpec(
    name="scale-down",
    summary="Drain vLLM to N replicas, then shrink the GPU node group, as one change (needs approval)",
    example="/llm scale-down 1 1",
    role="operator",
    changes=True,
    args=(
        Arg(
            "replicas",
            "vLLM replicas to keep; default platform.scale_down_replicas",
            kind="int",
            required=False,
            minimum=0,
        ),
        Arg(
            "nodes",
            "GPU nodes to keep; default the fewest that hold them",
            kind="int",
            required=False,
            minimum=0,
        ),
    ),
    options=(DRY_RUN,),
    request=ScaleDownRequest,
    plan_data=ScaleDownPlan,
    plan=plan,
    check=check,
    apply=apply,
    details="In the manual's order: `kubectl scale` vLLM, wait up to platform.drain_timeout_seconds for its "
    "pods to terminate, then `aws eks update-nodegroup-config`. Refused when the kept pods (GPUs per pod) "
    "would not fit on the kept nodes (GPUs per node).",
)
