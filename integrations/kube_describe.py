"""Builders of the condensed `kubectl describe` models from the `kubernetes` client's objects (pods,
nodes) and plain JSON (ReplicaSets, as `kube_deployments` reads them).
"""

from __future__ import annotations

from typing import Any

from integrations import kube_deployments
from integrations.kube_convert import pod_status
from integrations.kube_descriptions import (
    Condition,
    ContainerDescription,
    ContainerState,
    DeploymentDescription,
    NodeDescription,
    PodDescription,
)
from integrations.kube_models import EventInfo

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def pod(found: Any, events: list[EventInfo]) -> PodDescription:
    meta, status = found.metadata, found.status
    statuses = {s.name: s for s in status.container_statuses or []}
    owner = next((r for r in meta.owner_references or [] if r.controller), None)
    return PodDescription(
        name=meta.name,
        namespace=meta.namespace,
        node=found.spec.node_name,
        status=pod_status(found),
        phase=status.phase or "Unknown",
        reason=status.reason,
        message=status.message,
        created=meta.creation_timestamp,
        started=status.start_time,
        ip=status.pod_ip,
        labels=meta.labels or {},
        controlled_by=f"{owner.kind}/{owner.name}" if owner else None,
        qos_class=status.qos_class,
        conditions=[_condition(c) for c in status.conditions or []],
        containers=[_container(c, statuses.get(c.name)) for c in found.spec.containers],
        events=events,
    )


def deployment(found: Any, replicasets: list[dict], events: list[EventInfo]) -> DeploymentDescription:
    meta, spec, status = found.metadata, found.spec, found.status
    revisions = sorted(replicasets, key=lambda rs: kube_deployments.revision(rs).number, reverse=True)
    template_annotations = spec.template.metadata.annotations or {}
    return DeploymentDescription(
        name=meta.name,
        namespace=meta.namespace,
        created=meta.creation_timestamp,
        selector=",".join(f"{k}={v}" for k, v in sorted((spec.selector.match_labels or {}).items())),
        strategy=_strategy(spec.strategy),
        replicas=spec.replicas or 0,
        updated=status.updated_replicas or 0,
        ready=status.ready_replicas or 0,
        available=status.available_replicas or 0,
        unavailable=status.unavailable_replicas or 0,
        revision=(meta.annotations or {}).get(kube_deployments.REVISION),
        restarted_at=template_annotations.get(RESTARTED_AT),
        conditions=[_condition(c) for c in status.conditions or []],
        containers=[_container(c, None) for c in spec.template.spec.containers],
        new_replica_set=revisions[0]["metadata"]["name"] if revisions else None,
        old_replica_sets=[
            rs["metadata"]["name"] for rs in revisions[1:] if (rs.get("status") or {}).get("replicas")
        ],
        events=events,
    )


def node(found: Any, events: list[EventInfo]) -> NodeDescription:
    meta, spec, status = found.metadata, found.spec, found.status
    labels = meta.labels or {}
    conditions = [_condition(c) for c in status.conditions or []]
    return NodeDescription(
        name=meta.name,
        ready=any(c.type == "Ready" and c.status == "True" for c in conditions),
        created=meta.creation_timestamp,
        labels=labels,
        taints=[_taint(t) for t in (spec.taints if spec else None) or []],
        unschedulable=bool(spec and spec.unschedulable),
        conditions=conditions,
        capacity=dict(status.capacity or {}),
        allocatable=dict(status.allocatable or {}),
        instance_type=labels.get("node.kubernetes.io/instance-type"),
        nodegroup=labels.get("eks.amazonaws.com/nodegroup"),
        kubelet_version=status.node_info.kubelet_version if status.node_info else None,
        events=events,
    )


def _condition(found: Any) -> Condition:
    return Condition(
        type=found.type,
        status=found.status,
        reason=found.reason,
        message=found.message,
        since=found.last_transition_time,
    )


def _container(spec: Any, status: Any | None) -> ContainerDescription:
    resources = spec.resources
    described = ContainerDescription(
        name=spec.name,
        image=spec.image,
        requests=dict((resources.requests if resources else None) or {}),
        limits=dict((resources.limits if resources else None) or {}),
    )
    if status is None:
        return described
    return described.model_copy(
        update={
            "ready": bool(status.ready),
            "restarts": status.restart_count or 0,
            "state": _state(status.state),
            "last_state": _state(status.last_state),
        }
    )


def _state(found: Any | None) -> ContainerState | None:
    if found is None:
        return None
    if found.running:
        return ContainerState(state="running", started=found.running.started_at)
    if found.waiting:
        return ContainerState(state="waiting", reason=found.waiting.reason, message=found.waiting.message)
    if found.terminated:
        ended = found.terminated
        return ContainerState(
            state="terminated",
            reason=ended.reason,
            message=ended.message,
            exit_code=ended.exit_code,
            started=ended.started_at,
            finished=ended.finished_at,
        )
    return None


def _strategy(strategy: Any) -> str:
    if strategy is None or strategy.type != "RollingUpdate" or strategy.rolling_update is None:
        return strategy.type if strategy else "RollingUpdate"
    rolling = strategy.rolling_update
    return f"RollingUpdate (max surge {rolling.max_surge}, max unavailable {rolling.max_unavailable})"


def _taint(taint: Any) -> str:
    value = f"={taint.value}" if taint.value else ""
    return f"{taint.key}{value}:{taint.effect}"
