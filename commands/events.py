"""`/llm events [object]`: the Warning events of the last hour in the platform namespace, grouped by
the object they are about and their reason, with how often and the newest message. The object may be a
pod, one of the platform's Deployments (its ReplicaSets' and pods' events too) or a node."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, field_validator

from commands.blockkit import code, context, escape, header, listing, section
from commands.deps import Deps
from commands.kube_names import age, checked_name
from commands.spec import Arg, CommandSpec, Request
from integrations.errors import NotFound
from integrations.kube_models import EventInfo

WINDOW = timedelta(hours=1)
MESSAGE_LIMIT = 300


class EventsRequest(Request):
    object: str | None = None

    @field_validator("object")
    @classmethod
    def _a_name(cls, name: str | None) -> str | None:
        return None if name is None else checked_name(name, "object name")


class EventGroup(BaseModel):
    object: str  # "Pod/rag-service-7b9d8c6f5d-x2x9q"
    reason: str
    count: int
    last_seen: datetime | None
    message: str  # the newest


class EventsReport(BaseModel):
    namespace: str
    object: str | None
    at: datetime
    groups: list[EventGroup]  # newest first


def run(request: EventsRequest, deps: Deps) -> EventsReport:
    now, name = deps.now(), request.object
    events = _about(deps, name, now - WINDOW)
    return EventsReport(namespace=deps.platform.namespace, object=name, at=now, groups=group(events))


def _about(deps: Deps, name: str | None, since: datetime) -> list[EventInfo]:
    namespace = deps.platform.namespace
    if name in deps.platform.deployments:  # its ReplicaSets and pods are named after it
        found = deps.kube.warning_events(namespace, since)
        return [e for e in found if e.object_name == name or e.object_name.startswith(f"{name}-")]
    found = deps.kube.warning_events(namespace, since, name)
    if found or name is None:
        return found
    try:  # a node's events are recorded outside the namespace; its description gathers them
        events = deps.kube.describe_node(name).events
    except NotFound:
        return []
    return [e for e in events if e.type == "Warning" and (e.last_seen is None or e.last_seen >= since)]


def group(events: list[EventInfo]) -> list[EventGroup]:
    groups: dict[tuple[str, str], EventGroup] = {}
    for event in sorted(events, key=lambda e: e.last_seen.timestamp() if e.last_seen else 0.0):
        key = (f"{event.object_kind}/{event.object_name}", event.reason)
        before = groups.get(key)
        groups[key] = EventGroup(
            object=key[0],
            reason=event.reason,
            count=(before.count if before else 0) + event.count,
            last_seen=event.last_seen,
            message=event.message,
        )
    return sorted(
        groups.values(), key=lambda g: g.last_seen.timestamp() if g.last_seen else 0.0, reverse=True
    )


def _lines(report: EventsReport, mrkdwn: bool = True) -> list[str]:
    lines = []
    for g in report.groups:
        what = code(g.object) if mrkdwn else escape(g.object)
        said = escape(g.message[:MESSAGE_LIMIT])
        lines.append(f"• {what} *{escape(g.reason)}* ×{g.count}, {age(g.last_seen, report.at)} ago: {said}")
    return lines


def summary(report: EventsReport) -> str:
    about = f" about {escape(report.object)}" if report.object else ""
    if not report.groups:
        return f"✅ No Warning events{about} in {escape(report.namespace)} in the last hour."
    total = sum(g.count for g in report.groups)
    return f"⚠️ {total} Warning events{about} in the last hour, {len(report.groups)} by object and reason"


def render(report: EventsReport) -> list[dict]:
    blocks = [header("Warning events, last hour"), section(summary(report))]
    if report.groups:
        blocks.append(listing("Newest first", _lines(report)))
    return blocks + [context(f"Namespace {escape(report.namespace)} · what kubelet and the scheduler said")]


def render_text(report: EventsReport) -> str:
    return "\n".join([summary(report)] + _lines(report, mrkdwn=False))


SPEC = CommandSpec(
    name="events",
    summary="Warning events of the last hour, grouped by object and reason",
    example="/llm events rag-service",
    args=(Arg("object", "a pod, a deployment or a node; default: everything", required=False),),
    request=EventsRequest,
    run=run,
    render=render,
    render_text=render_text,
)
