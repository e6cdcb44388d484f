"""The condensed `kubectl describe` an operator reads, as small frozen models built by
`integrations.kube_describe`: conditions, container states and last states, resources, recent events.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from integrations.kube_models import EventInfo


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Condition(_Frozen):
    type: str  # Ready, PodScheduled, Available, Progressing, MemoryPressure, ...
    status: str  # True, False, Unknown
    reason: str | None
    message: str | None
    since: datetime | None  # lastTransitionTime


class ContainerState(_Frozen):
    state: str  # running, waiting or terminated
    reason: str | None = None  # CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, ...
    message: str | None = None
    exit_code: int | None = None
    started: datetime | None = None
    finished: datetime | None = None


class ContainerDescription(_Frozen):
    name: str
    image: str
    requests: dict[str, str]  # cpu, memory, nvidia.com/gpu as quantities
    limits: dict[str, str]
    ready: bool | None = None  # None in a Deployment's template: no container runs there
    restarts: int = 0
    state: ContainerState | None = None
    last_state: ContainerState | None = None


class PodDescription(_Frozen):
    name: str
    namespace: str
    node: str | None
    status: str  # as `kubectl get pods` shows it
    phase: str
    reason: str | None  # the pod's own: Evicted
    message: str | None
    created: datetime | None
    started: datetime | None
    ip: str | None
    labels: dict[str, str]
    controlled_by: str | None  # ReplicaSet/rag-service-7b9d8c6f5d
    qos_class: str | None
    conditions: list[Condition]
    containers: list[ContainerDescription]
    events: list[EventInfo]  # oldest first


class DeploymentDescription(_Frozen):
    name: str
    namespace: str
    created: datetime | None
    selector: str
    strategy: str  # RollingUpdate (max surge 1, max unavailable 0) or Recreate
    replicas: int
    updated: int
    ready: int
    available: int
    unavailable: int
    revision: str | None
    restarted_at: str | None  # the kubectl.kubernetes.io/restartedAt template annotation
    conditions: list[Condition]
    containers: list[ContainerDescription]
    new_replica_set: str | None
    old_replica_sets: list[str]  # those still running pods
    events: list[EventInfo]


class NodeDescription(_Frozen):
    name: str
    ready: bool
    created: datetime | None
    labels: dict[str, str]
    taints: list[str]  # key=value:Effect
    unschedulable: bool
    conditions: list[Condition]
    capacity: dict[str, str]
    allocatable: dict[str, str]
    instance_type: str | None
    nodegroup: str | None
    kubelet_version: str | None
    events: list[EventInfo]
