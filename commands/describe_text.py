"""Block Kit for `/llm describe`: a pod, a Deployment or a node as an operator reads `kubectl describe`,
condensed: what it is, its conditions, its containers (state, last state, resources) and its recent
events. Everything the cluster wrote is escaped; images and names are code."""

from __future__ import annotations

from datetime import datetime

from commands.blockkit import code, escape, header, listing, section
from commands.kube_names import age
from integrations.kube_descriptions import (
    Condition,
    ContainerDescription,
    ContainerState,
    DeploymentDescription,
    NodeDescription,
    PodDescription,
)
from integrations.kube_models import EventInfo

EVENTS_SHOWN = 10


def pod(found: PodDescription, now: datetime) -> list[dict]:
    facts = [
        f"*Status* {escape(found.status)} ({escape(found.phase)}) · *Node* {escape(found.node or 'none')}",
        f"*Age* {age(found.created, now)} · *IP* {escape(found.ip or '—')} · "
        f"*QoS* {escape(found.qos_class or '—')}",
        f"*Controlled by* {code(found.controlled_by or 'nothing')}",
    ]
    if found.reason or found.message:
        facts.append(f"*Reason* {escape(found.reason or '')}: {escape(found.message or '')}")
    return [
        header(f"Pod {found.name}"),
        section("\n".join(facts)),
        *_conditions(found.conditions, now),
        listing("Containers", [line for c in found.containers for line in _container(c, now)]),
        *_events(found.events, now),
    ]


def deployment(found: DeploymentDescription, now: datetime) -> list[dict]:
    facts = [
        f"*Replicas* {found.replicas} wanted · {found.updated} updated · {found.ready} ready · "
        f"{found.available} available · {found.unavailable} unavailable",
        f"*Strategy* {escape(found.strategy)} · *Revision* {escape(found.revision or '?')} · "
        f"*Age* {age(found.created, now)}",
        f"*Selector* {code(found.selector)} · *Restarted at* {escape(found.restarted_at or 'never')}",
        f"*New ReplicaSet* {code(found.new_replica_set or 'none')}"
        + (
            f" · *old still running* {', '.join(code(r) for r in found.old_replica_sets)}"
            if found.old_replica_sets
            else ""
        ),
    ]
    return [
        header(f"Deployment {found.name}"),
        section("\n".join(facts)),
        *_conditions(found.conditions, now),
        listing("Pod template", [line for c in found.containers for line in _container(c, now)]),
        *_events(found.events, now),
    ]


def node(found: NodeDescription, now: datetime) -> list[dict]:
    gpus = found.capacity.get("nvidia.com/gpu")
    facts = [
        f"*Ready* {'yes' if found.ready else 'no'} · "
        f"*Schedulable* {'no (cordoned)' if found.unschedulable else 'yes'} · "
        f"*Age* {age(found.created, now)}",
        f"*Type* {escape(found.instance_type or '?')} · *Node group* {escape(found.nodegroup or '?')} · "
        f"*Kubelet* {escape(found.kubelet_version or '?')}",
        f"*Capacity* {_resources(found.capacity)}" + (f" · *GPUs* {escape(gpus)}" if gpus else ""),
        f"*Allocatable* {_resources(found.allocatable)}",
        f"*Taints* {', '.join(code(t) for t in found.taints) or 'none'}",
    ]
    return [
        header(f"Node {found.name}"),
        section("\n".join(facts)),
        *_conditions(found.conditions, now),
        *_events(found.events, now),
    ]


def plain(blocks: list[dict]) -> str:
    """The blocks' text, for the terminal and the notification."""
    texts = [b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict)]
    return "\n".join(texts)


def _conditions(conditions: list[Condition], now: datetime) -> list[dict]:
    if not conditions:
        return []
    lines = [
        f"{'✅' if _healthy(c) else '⚠️'} {escape(c.type)} {escape(c.status)}"
        + (f" · {escape(c.reason)}" if c.reason else "")
        + (f": {escape(c.message)}" if c.message else "")
        + (f" · since {age(c.since, now)}" if c.since else "")
        for c in conditions
    ]
    return [listing("Conditions", lines)]


def _healthy(condition: Condition) -> bool:
    troubled_when_true = condition.type.endswith("Pressure") or condition.type in (
        "NetworkUnavailable",
        "ReplicaFailure",
    )
    return (condition.status == "True") != troubled_when_true


def _container(container: ContainerDescription, now: datetime) -> list[str]:
    ready = "" if container.ready is None else f" · {'ready' if container.ready else 'not ready'}"
    lines = [f"*{escape(container.name)}* {code(container.image)}{ready} · {container.restarts} restarts"]
    if container.state:
        lines.append(f"  State: {_state(container.state, now)}")
    if container.last_state:
        lines.append(f"  Last state: {_state(container.last_state, now)}")
    lines.append(f"  Requests {_resources(container.requests)} · limits {_resources(container.limits)}")
    return lines


def _state(state: ContainerState, now: datetime) -> str:
    parts = [escape(state.state)]
    if state.reason:
        parts.append(escape(state.reason))
    if state.exit_code is not None:
        parts.append(f"exit {state.exit_code}")
    when = state.finished or state.started
    if when:
        parts.append(f"{age(when, now)} ago")
    text = ", ".join(parts)
    return text + (f": {escape(state.message[:200])}" if state.message else "")


def _resources(values: dict[str, str]) -> str:
    return ", ".join(f"{escape(k)} {escape(v)}" for k, v in sorted(values.items())) or "none"


def _events(events: list[EventInfo], now: datetime) -> list[dict]:
    if not events:
        return [section("*Events*\nnone recent")]
    newest = list(reversed(events))[:EVENTS_SHOWN]
    lines = [
        f"{'⚠️' if e.type == 'Warning' else '•'} *{escape(e.reason)}* ×{e.count}, "
        f"{age(e.last_seen, now)} ago: {escape(e.message[:200])}"
        for e in newest
    ]
    return [listing("Events, newest first", lines)]
