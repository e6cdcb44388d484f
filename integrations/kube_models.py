"""What the bot knows about Kubernetes objects: small frozen models built by `integrations.kube`,
so nothing outside that module ever holds a `kubernetes` client object.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PodInfo(_Frozen):
    name: str
    phase: str
    ready: bool
    reason: str | None  # why it is not ready: CrashLoopBackOff, ContainerCreating, or the phase
    restarts: int
    node: str | None
    labels: dict[str, str]
    images: list[str]


class NodeInfo(_Frozen):
    name: str
    ready: bool
    nodegroup: str | None
    instance_type: str | None
    cpu_capacity_millicores: int
    memory_capacity_bytes: int
    gpus: int


class NodeUsage(_Frozen):
    name: str
    cpu_millicores: int
    memory_bytes: int


class DeploymentInfo(_Frozen):
    name: str
    replicas: int
    ready_replicas: int
    updated_replicas: int
    available_replicas: int
    image: str | None  # of the first container
    generation: int
    observed_generation: int
    revision: str | None
