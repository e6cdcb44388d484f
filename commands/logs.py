"""`/llm logs errors [window] [deployment]`: ERROR lines from the vLLM pods (or one deployment's),
counted by pod and by message pattern (numbers, ids and hex folded so similar lines group), top ten
with first and last seen; the full list goes out as a file when it is long."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, field_validator, model_validator

from commands import podlogs, windows
from commands.blockkit import code, context, escape, header, listing, section
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import Arg, CommandSpec, FileOut, Request

MAX_WINDOW = timedelta(days=7)
TOP = 10
FILE_AFTER = 20  # more error lines than this: the full list goes out as a file too
DEFAULT_APP = "vllm"
# most specific first: a UUID before its hex runs, hex before plain numbers
_FOLDS = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b", re.I), "<hex>"),
    (re.compile(r"\d+(?:\.\d+)?"), "<n>"),
)


def normalise(text: str, keep: tuple[str, ...] = ()) -> str:
    """The message's shape: `Request cmpl-4711 timed out after 60s` ->
    `Request cmpl-<n> timed out after <n>s`. Names in `keep` (the platform's deployments) stay whole:
    `vllm-llama-3-70b` is a name, not two numbers."""
    names = sorted((n for n in keep if n), key=len, reverse=True)
    if not names:
        return _fold(text)
    pieces = re.split("(" + "|".join(re.escape(n) for n in names) + ")", text)
    return "".join(piece if i % 2 else _fold(piece) for i, piece in enumerate(pieces))


def _fold(text: str) -> str:
    for pattern, placeholder in _FOLDS:
        text = pattern.sub(placeholder, text)
    return text


def names(deps: Deps) -> tuple[str, ...]:
    """What error lines name that must not be folded: the deployments and their canaries."""
    return tuple(n for d in deps.platform.deployments for n in (d, f"{d}-canary"))


class Pattern(BaseModel):
    pattern: str
    count: int
    first: datetime | None
    last: datetime | None
    example: str


class ErrorReport(BaseModel):
    window: str
    scope: str  # "app=vllm" or a deployment name
    pods: list[str]
    by_pod: dict[str, int]
    patterns: list[Pattern]  # most frequent first
    lines: list[podlogs.LogLine]
    unread: dict[str, str]


def group(lines: list[podlogs.LogLine], keep: tuple[str, ...] = ()) -> list[Pattern]:
    found: dict[str, list[podlogs.LogLine]] = {}
    for line in lines:
        found.setdefault(normalise(line.text, keep), []).append(line)
    patterns = [
        Pattern(pattern=p, count=len(ls), first=_edge(ls, min), last=_edge(ls, max), example=ls[0].text)
        for p, ls in found.items()
    ]
    return sorted(patterns, key=lambda p: (-p.count, p.pattern))


def _edge(lines: list[podlogs.LogLine], pick) -> datetime | None:
    times = [line.at for line in lines if line.at is not None]
    return pick(times) if times else None


class LogsErrorsRequest(Request):
    window: str = "24h"
    deployment: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _deployment_alone(cls, given: Any) -> Any:
        """`/llm logs errors rag-service`: a lone word that is no window names the deployment."""
        window = given.get("window") if isinstance(given, dict) else None
        if isinstance(window, str) and given.get("deployment") is None and not windows.looks_like(window):
            return {k: v for k, v in given.items() if k != "window"} | {"deployment": window}
        return given

    @field_validator("window")
    @classmethod
    def _a_window(cls, window: str) -> str:
        return windows.checked(window, MAX_WINDOW)


def _deployment(request: LogsErrorsRequest, deps: Deps) -> str | None:
    deployment = request.deployment
    if deployment is not None and deployment not in deps.platform.deployments:
        allowed = ", ".join(deps.platform.deployments)
        raise CommandError(f"{code(deployment[:60])} is not one of our deployments: {allowed}.")
    return deployment


def run(request: LogsErrorsRequest, deps: Deps) -> ErrorReport:
    window, deployment = windows.parse(request.window, MAX_WINDOW), _deployment(request, deps)
    if deployment:  # by the Deployment's selector: a name prefix would also take its canary's pods
        chosen = deps.kube.pods_for(deps.platform.namespace, deployment)
    else:
        chosen = [
            p for p in deps.kube.list_pods(deps.platform.namespace) if p.labels.get("app") == DEFAULT_APP
        ]
    found = podlogs.read(deps, chosen, int(window.total_seconds()))
    errors = [
        line for line in found.lines if line.level == "ERROR" or (line.level is None and "ERROR" in line.raw)
    ]
    by_pod = {p.name: sum(1 for line in errors if line.pod == p.name) for p in chosen}
    return ErrorReport(
        window=windows.label(window),
        scope=deployment or f"app={DEFAULT_APP}",
        pods=[p.name for p in chosen],
        by_pod=by_pod,
        patterns=group(errors, names(deps)),
        lines=sorted(errors, key=lambda line: (line.at is None, line.at, line.pod)),
        unread=found.unread,
    )


def _when(at: datetime | None) -> str:
    return f"{at:%m-%d %H:%M}" if at else "?"


def pattern_lines(report: ErrorReport, mrkdwn: bool = True) -> list[str]:
    if not mrkdwn:
        return [
            f"  {p.count}x {escape(p.pattern)} (first {_when(p.first)}, last {_when(p.last)})"
            for p in report.patterns[:TOP]
        ]
    return [
        f"• *{p.count}×* {code(p.pattern[:200])} (first {_when(p.first)}, last {_when(p.last)})"
        for p in report.patterns[:TOP]
    ]


def summary(report: ErrorReport) -> str:
    if not report.pods:
        return f"❔ No pods match {escape(report.scope)} in this namespace."
    total = len(report.lines)
    head = "⚠️" if total else "✅"
    return (
        f"{head} {_count(total, 'ERROR line')} in {_count(len(report.patterns), 'pattern')} over the last "
        f"{report.window} from {_count(len(report.pods), 'pod')} ({escape(report.scope)})"
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def render(report: ErrorReport) -> list[dict]:
    blocks = [header("Error logs"), section(summary(report))]
    if report.pods:
        blocks.append(listing("By pod", [f"• {escape(p)}: {n}" for p, n in report.by_pod.items()]))
    if report.patterns:
        blocks.append(listing(f"Top {min(TOP, len(report.patterns))} patterns", pattern_lines(report)))
    if report.unread:
        blocks.append(
            listing("Could not read", [f"❔ {escape(p)}: {escape(r)}" for p, r in report.unread.items()])
        )
    note = " · every line is in the attached file" if files(report) else ""
    return blocks + [
        context(f"Numbers, ids and hex are folded into <n>, <uuid> and <hex> to group lines{note}")
    ]


def render_text(report: ErrorReport) -> str:
    """Terminal lines, also the message's notification text: outside text escaped."""
    lines = [summary(report)] + [f"  {escape(p)}: {n}" for p, n in report.by_pod.items()]
    return "\n".join(lines + pattern_lines(report, mrkdwn=False))


def files(report: ErrorReport) -> list[FileOut]:
    if len(report.lines) <= FILE_AFTER:
        return []
    content = "".join(f"{line.pod} {line.raw}\n" for line in report.lines)
    return [
        FileOut(
            filename=f"error-lines-{report.scope.replace('=', '-')}-{report.window}.log",
            title=f"ERROR lines, {report.scope}, last {report.window}",
            content=content,
        )
    ]


SPEC = CommandSpec(
    name="logs errors",
    summary="ERROR lines from the vLLM pods (or one deployment's), grouped by pod and message pattern",
    example="/llm logs errors 6h rag-service",
    args=(
        Arg("window", "how far back, e.g. 1h or 24h (the default); at most 7d", required=False),
        Arg("deployment", "one of the platform's deployments; default: the vLLM pods", required=False),
    ),
    request=LogsErrorsRequest,
    run=run,
    render=render,
    render_text=render_text,
    files=files,
)
