"""`/llm guardrails export`: the RAG service's "Safety violation" log lines of the last 24 hours, as a
file in the answer's thread."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from commands import podlogs
from commands.blockkit import context, escape, header, listing, section
from commands.deps import Deps
from commands.spec import CommandSpec, FileOut, Request

RAG_APP = "rag-service"
MARKER = "Safety violation"


class GuardrailsExportRequest(Request):
    pass


class SafetyExport(BaseModel):
    since: datetime
    pods: list[str]
    lines: list[podlogs.LogLine]
    unread: dict[str, str]


def export(request: GuardrailsExportRequest, deps: Deps) -> SafetyExport:
    since = deps.now() - timedelta(hours=24)
    pods = [p for p in deps.kube.list_pods(deps.platform.namespace) if p.labels.get("app") == RAG_APP]
    found = podlogs.read(deps, pods, 24 * 3600)
    lines = sorted(
        (line for line in found.lines if MARKER in line.text),
        key=lambda line: (line.at is None, line.at or since, line.pod),
    )
    return SafetyExport(since=since, pods=[p.name for p in pods], lines=lines, unread=found.unread)


def export_summary(result: SafetyExport) -> str:
    by_pod = {pod: sum(1 for line in result.lines if line.pod == pod) for pod in result.pods}
    parts = ", ".join(f"{escape(pod)}: {n}" for pod, n in by_pod.items())
    return f"{len(result.lines)} safety violation lines from {len(result.pods)} {RAG_APP} pods ({parts})"


def export_files(result: SafetyExport) -> list[FileOut]:
    if not result.lines:
        return []
    content = "".join(f"{line.pod} {line.raw}\n" for line in result.lines)
    return [
        FileOut(
            filename=f"safety-violations-{result.since:%Y%m%d-%H%M}-24h.log",
            title="RAG service safety violations, last 24 h",
            content=content,
        )
    ]


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
    summary="Upload the RAG service's safety violation log lines of the last 24 hours",
    example="/llm guardrails export",
    request=GuardrailsExportRequest,
    run=export,
    render=render_export,
    render_text=render_export_text,
    files=export_files,
)
