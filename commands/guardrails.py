"""`/llm guardrails [24h|7d|30d]`: guardrail violations by type and risk level with the trend against
the previous period of the same length; `/llm guardrails export`: the RAG service's "Safety
violation" log lines of the last 24 hours, as a file."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from commands import podlogs
from commands.blockkit import context, escape, header, listing, section
from commands.deps import Deps
from commands.spec import Arg, CommandSpec, FileOut

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
RISKS = ("high", "medium", "low")
QUERY = "sum(increase(guardrails_violations_total[{w}]{offset})) by (violation_type, risk_level)"
RAG_APP = "rag-service"
MARKER = "Safety violation"


class Count(BaseModel):
    violation_type: str
    risk_level: str
    now: float
    before: float | None  # None: Prometheus has no data for the previous period


class Violations(BaseModel):
    window: str
    counts: list[Count]

    @property
    def total(self) -> float:
        return sum(c.now for c in self.counts)

    @property
    def total_before(self) -> float | None:
        known = [c.before for c in self.counts if c.before is not None]
        return sum(known) if known else None


def trend(now: float, before: float | None) -> str:
    if before is None:
        return "no earlier data"
    if before == 0:
        return "new" if now else "none before either"
    change = (now - before) / before
    arrow = "↑" if change > 0.05 else "↓" if change < -0.05 else "→"
    return f"{arrow} {change:+.0%}"


def risk_order(count: Count) -> tuple[int, float]:
    rank = RISKS.index(count.risk_level) if count.risk_level in RISKS else len(RISKS)
    return rank, -count.now


def violations(deps: Deps, window: str) -> Violations:
    """This window against the one before; a kind that stopped firing still counts, as 0 now."""
    now = _by_kind(deps.prom.vector(QUERY.format(w=window, offset="")))
    before = _by_kind(deps.prom.vector(QUERY.format(w=window, offset=f" offset {window}")))
    counts = [
        Count(
            violation_type=kind,
            risk_level=risk,
            now=round(now.get((kind, risk), 0)),
            before=_rounded(before.get((kind, risk))),
        )
        for kind, risk in sorted(now.keys() | before.keys())
    ]
    return Violations(window=window, counts=sorted(counts, key=risk_order))


def _by_kind(samples) -> dict[tuple[str, str], float]:
    return {(s.labels.get("violation_type", "?"), s.labels.get("risk_level", "?")): s.value for s in samples}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value)


def run(args: dict, deps: Deps) -> Violations:
    return violations(deps, args.get("window") or "24h")


def count_lines(report: Violations) -> list[str]:
    return [
        f"• *{c.risk_level}* {escape(c.violation_type)}: {c.now:,.0f} ({trend(c.now, c.before)})"
        for c in report.counts
    ]


def summary(report: Violations) -> str:
    high = sum(c.now for c in report.counts if c.risk_level == "high")
    icon = "⚠️" if high else "✅"
    return (
        f"{icon} {report.total:,.0f} violations in the last {report.window}, {high:,.0f} high risk "
        f"({trend(report.total, report.total_before)} on the {report.window} before)"
    )


def render(report: Violations) -> list[dict]:
    if not report.counts:
        return [
            header("Guardrail violations"),
            section(f"❔ No guardrail metrics in the last {report.window}."),
        ]
    return [
        header("Guardrail violations"),
        section(summary(report)),
        listing("By risk and type", count_lines(report)),
        context(
            "`guardrails_violations_total` from Prometheus; trend against the previous period of equal length"
        ),
    ]


def render_text(report: Violations) -> str:
    if not report.counts:
        return f"No guardrail metrics in the last {report.window}."
    return "\n".join([summary(report)] + [line.replace("*", "") for line in count_lines(report)])


class SafetyExport(BaseModel):
    since: datetime
    pods: list[str]
    lines: list[podlogs.LogLine]
    unread: dict[str, str]


def export(args: dict, deps: Deps) -> SafetyExport:
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
    parts = ", ".join(f"{pod}: {n}" for pod, n in by_pod.items())
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
    return export_summary(result) + "".join(f"\n  could not read {p}: {r}" for p, r in result.unread.items())


SPECS = (
    CommandSpec(
        name="guardrails",
        summary="Guardrail violations by type and risk level, with the trend against the previous period",
        example="/llm guardrails 7d",
        args=(Arg("window", "24h (the default), 7d or 30d", required=False, choices=tuple(WINDOWS)),),
        run=run,
        render=render,
        render_text=render_text,
    ),
    CommandSpec(
        name="guardrails export",
        summary="Upload the RAG service's safety violation log lines of the last 24 hours",
        example="/llm guardrails export",
        run=export,
        render=render_export,
        render_text=render_export_text,
        files=export_files,
    ),
)
