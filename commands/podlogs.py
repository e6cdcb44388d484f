"""Read many pods' logs at once for the log reports; a pod whose logs cannot be read is named with
the reason instead of failing the whole report. Lines read `<RFC 3339 time> <LEVEL> <logger>: <text>`."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel

from commands.deps import Deps
from integrations.errors import IntegrationError
from integrations.kube_models import PodInfo

_LINE = re.compile(r"^(?P<at>\d{4}-\d\d-\d\dT\S+)\s+(?P<level>[A-Z]+)\s+(?P<text>.*)$")


class LogLine(BaseModel):
    pod: str
    at: datetime | None
    level: str | None
    text: str  # after the time and level
    raw: str


class PodLogs(BaseModel):
    lines: list[LogLine]
    unread: dict[str, str]  # pod -> why its logs could not be read


def parse_line(pod: str, raw: str) -> LogLine:
    match = _LINE.match(raw)
    if not match:
        return LogLine(pod=pod, at=None, level=None, text=raw, raw=raw)
    try:
        at = datetime.fromisoformat(match["at"].replace("Z", "+00:00"))
    except ValueError:
        at = None
    return LogLine(pod=pod, at=at, level=match["level"], text=match["text"], raw=raw)


def read(deps: Deps, pods: list[PodInfo], since_seconds: int) -> PodLogs:
    namespace = deps.platform.namespace
    futures = {p.name: deps.pool.submit(deps.kube.pod_logs, namespace, p.name, since_seconds) for p in pods}
    lines: list[LogLine] = []
    unread: dict[str, str] = {}
    for name, future in futures.items():
        try:
            text = future.result()
        except IntegrationError as exc:
            deps.on_backend_error(exc.system)
            unread[name] = exc.message
            continue
        lines += [parse_line(name, raw) for raw in text.splitlines() if raw.strip()]
    return PodLogs(lines=lines, unread=unread)
