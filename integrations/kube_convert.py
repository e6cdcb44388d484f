"""Our models from the `kubernetes` client's objects: pods (with the status `kubectl get pods` would
show and how a container last ended), nodes, node usage, deployments, services and events.
"""

from __future__ import annotations

from typing import Any

from integrations import quantities
from integrations.kube_deployments import REVISION
from integrations.kube_models import DeploymentInfo, EventInfo, NodeInfo, NodeUsage, PodInfo, ServiceInfo


def pod_info(pod: Any) -> PodInfo:
    statuses = pod.status.container_statuses or []
    phase = pod.status.phase or "Unknown"
    ready = phase == "Running" and bool(statuses) and all(s.ready for s in statuses)
    ended = last_termination(statuses)
    return PodInfo(
        name=pod.metadata.name,
        phase=phase,
        ready=ready,
        reason=None if ready else _reason(pod, phase, statuses),
        restarts=sum(s.restart_count or 0 for s in statuses),
        node=pod.spec.node_name,
        labels=pod.metadata.labels or {},
        images=[c.image for c in pod.spec.containers],
        namespace=pod.metadata.namespace or "",
        status=pod_status(pod),
        ready_containers=sum(bool(s.ready) for s in statuses),
        containers=len(pod.spec.containers),
        created=pod.metadata.creation_timestamp,
        last_termination_reason=ended.reason if ended else None,
        last_termination_at=ended.finished_at if ended else None,
        uid=pod.metadata.uid or "",
    )


def pod_status(pod: Any) -> str:
    """The STATUS column of `kubectl get pods`, preferring the pod's own reason (Evicted)."""
    if pod.metadata.deletion_timestamp:
        return "Terminating"
    if pod.status.reason:
        return pod.status.reason
    for status in pod.status.container_statuses or []:
        state = status.state
        if state and state.waiting and state.waiting.reason:
            return state.waiting.reason
        if state and state.terminated and state.terminated.reason:
            return state.terminated.reason
    return pod.status.phase or "Unknown"


def last_termination(statuses: list[Any]) -> Any | None:
    """The most recent `lastState.terminated` among the containers (how one last ended)."""
    ended = [s.last_state.terminated for s in statuses if s.last_state and s.last_state.terminated]
    return max(ended, key=lambda t: t.finished_at.timestamp() if t.finished_at else 0.0, default=None)


def _reason(pod: Any, phase: str, statuses: list[Any]) -> str:
    if pod.status.reason:
        return pod.status.reason
    for status in statuses:
        waiting = status.state.waiting if status.state else None
        if waiting and waiting.reason:
            return waiting.reason
        terminated = status.state.terminated if status.state else None
        if terminated and terminated.reason:
            return terminated.reason
    for condition in pod.status.conditions or []:
        if condition.type == "PodScheduled" and condition.status == "False" and condition.reason:
            return condition.reason
    return phase if phase != "Running" else "NotReady"


def node_info(node: Any) -> NodeInfo:
    labels = node.metadata.labels or {}
    capacity = node.status.capacity or {}
    conditions = {c.type: c.status for c in node.status.conditions or []}
    return NodeInfo(
        name=node.metadata.name,
        ready=conditions.get("Ready") == "True",
        nodegroup=labels.get("eks.amazonaws.com/nodegroup"),
        instance_type=labels.get("node.kubernetes.io/instance-type"),
        cpu_capacity_millicores=quantities.millicores(capacity.get("cpu", "0")),
        memory_capacity_bytes=quantities.to_bytes(capacity.get("memory", "0")),
        gpus=int(quantities.parse(capacity.get("nvidia.com/gpu", "0"))),
        labels=labels,
        memory_pressure=conditions.get("MemoryPressure") == "True",
        disk_pressure=conditions.get("DiskPressure") == "True",
        unschedulable=bool(node.spec and node.spec.unschedulable),
    )


def node_usage(item: dict) -> NodeUsage:
    usage = item.get("usage") or {}
    return NodeUsage(
        name=item["metadata"]["name"],
        cpu_millicores=quantities.millicores(usage.get("cpu", "0")),
        memory_bytes=quantities.to_bytes(usage.get("memory", "0")),
    )


def deployment_info(dep: Any) -> DeploymentInfo:
    status, containers = dep.status, dep.spec.template.spec.containers
    return DeploymentInfo(
        name=dep.metadata.name,
        replicas=dep.spec.replicas or 0,
        ready_replicas=status.ready_replicas or 0,
        updated_replicas=status.updated_replicas or 0,
        available_replicas=status.available_replicas or 0,
        image=containers[0].image if containers else None,
        generation=dep.metadata.generation or 0,
        observed_generation=status.observed_generation or 0,
        revision=(dep.metadata.annotations or {}).get(REVISION),
    )


def service_info(svc: Any) -> ServiceInfo:
    ingress = (svc.status.load_balancer.ingress if svc.status and svc.status.load_balancer else None) or []
    return ServiceInfo(
        name=svc.metadata.name,
        namespace=svc.metadata.namespace,
        type=svc.spec.type or "ClusterIP",
        ports=[p.port for p in svc.spec.ports or []],
        external=[i.hostname or i.ip for i in ingress if i.hostname or i.ip],
    )


def event_info(event: Any) -> EventInfo:
    """A core/v1 Event; newer reporters fill eventTime and series instead of the timestamps."""
    involved, series = event.involved_object, event.series
    last = event.last_timestamp or (series.last_observed_time if series else None) or event.event_time
    source = event.source
    return EventInfo(
        name=event.metadata.name,
        namespace=event.metadata.namespace or "",
        type=event.type or "Normal",
        reason=event.reason or "",
        message=event.message or "",
        object_kind=involved.kind or "",
        object_name=involved.name or "",
        object_uid=involved.uid or "",
        count=event.count or (series.count if series else 1) or 1,
        first_seen=event.first_timestamp or event.event_time,
        last_seen=last,
        source=event.reporting_component or (source.component if source else "") or "",
        node=(source.host if source else None) or None,
    )
