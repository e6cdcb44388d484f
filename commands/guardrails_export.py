"""`/llm guardrails export [24h|7d]`: the RAG service's "Safety violation" log lines of the last 7 days
(the manual's export) or 24 hours, as a file in the answer's thread."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from commands import podlogs
from commands.blockkit import context, escape, header, listing, section
from commands.deps import Deps
from commands.spec import Arg, CommandSpec, FileOut, Request

RAG_APP = "rag-service"
MARKER = "Safety violation"
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}
SPOKEN = {"24h": "24 hours", "7d": "7 days"}


class GuardrailsExportRequest(Request):
    window: Literal["24h", "7d"] = "7d"


class SafetyExport(BaseModel):
    since: datetime
    window: str = "7d"
    pods: list[str]
    lines: list[podlogs.LogLine]
    unread: dict[str, str]


def export(request: GuardrailsExportRequest, deps: Deps) -> SafetyExport:
    span = WINDOWS[request.window]
    since = deps.now() - span
    pods = [p for p in deps.kube.list_pods(deps.platform.namespace) if p.labels.get("app") == RAG_APP]
    found = podlogs.read(deps, pods, int(span.total_seconds()))
    lines = sorted(
        (line for line in found.lines if MARKER in line.text),
        key=lambda line: (line.at is None, line.at or since, line.pod),
    )
    return SafetyExport(
        since=since, window=request.window, pods=[p.name for p in pods], lines=lines, unread=found.unread
    )


def export_summary(result: SafetyExport) -> str:
    by_pod = {pod: sum(1 for line in result.lines if line.pod == pod) for pod in result.pods}
    parts = ", ".join(f"{escape(pod)}: {n}" for pod, n in by_pod.items())
    return (
        f"{len(result.lines)} safety violation lines in the last {SPOKEN[result.window]} "
        f"from {len(result.pods)} {RAG_APP} pods ({parts})"
    )


def export_files(result: SafetyExport) -> list[FileOut]:
    if not result.lines:
        return []
    content = "".join(f"{line.pod} {line.raw}\n" for line in result.lines)
    return [
        FileOut(
            filename=_filename(result),
            title=f"RAG service safety violations, last {SPOKEN[result.window]}",
            content=content,
        )
    ]


def _filename(result: SafetyExport) -> str:
    """The manual's name for its 7-day export, `safety-violations-YYYYMMDD.log`; a 24 h one says so."""
    day = f"{result.since + WINDOWS[result.window]:%Y%m%d}"
    return f"safety-violations-{day}.log" if result.window == "7d" else f"safety-violations-{day}-24h.log"


def render_export(result: SafetyExport) -> list[dict]:
    head = "📎" if result.lines else "✅"
    blocks = [
        header("Safety violations export"),
        section(
            f"{head} {export_summary(result)}" + (". The log is in the thread." if result.lines else ".")
        ),
    ]
    if result.unread:
        blocks.append(
            listing("Could not read", [f"❔ {escape(p)}: {escape(r)}" for p, r in result.unread.items()])
        )
    return blocks + [context(f'Lines containing "{MARKER}" since {result.since:%Y-%m-%d %H:%M %Z}')]


def render_export_text(result: SafetyExport) -> str:
    unread = "".join(f"\n  could not read {escape(p)}: {escape(r)}" for p, r in result.unread.items())
    return export_summary(result) + unread


SPEC = CommandSpec(
    name="guardrails export",
    summary="Upload the RAG service's safety violation log lines of the last 7 days (or 24 hours)",
    example="/llm guardrails export 7d",
    args=(
        Arg(
            "window", "7d (the default, as the manual exports) or 24h", required=False, choices=("24h", "7d")
        ),
    ),
    request=GuardrailsExportRequest,
    run=export,
    render=render_export,
    render_text=render_export_text,
    files=export_files,
)
