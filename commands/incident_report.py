"""The incident report draft: summary, severity, duration, time to acknowledge and to resolve, the
whole timeline, a metrics snapshot of the incident window from Prometheus (error rate, p95 latency,
throughput) and the sections people fill in. Plain functions over plain data; no Slack here."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel

from commands.charts import line_chart
from integrations.errors import IntegrationError

METRICS = (
    ("Error rate", "error_rate", "{:.2%}"),
    ("p95 latency", "p95_latency_seconds", "{:.2f} s"),
    ("Throughput", "throughput_rps", "{:.1f} req/s"),
)


class Stat(BaseModel):
    name: str
    low: float | None = None
    mean: float | None = None
    high: float | None = None
    fmt: str = "{}"
    error: str = ""
    points: list[tuple[float, float]] = []


def window_line(deps) -> str:
    """Error rate and p95 now, against the manual's limits."""
    parts = []
    for label, query, fmt, limit in (
        ("error rate", deps.queries.error_rate, "{:.2%}", deps.platform.error_rate_limit),
        ("p95", deps.queries.p95_latency_seconds, "{:.2f} s", deps.platform.p95_latency_limit_seconds),
    ):
        try:
            value = deps.prom.scalar(query)
        except IntegrationError as exc:
            parts.append(f"{label} ❔ ({exc.message})")
            continue
        if value is None:
            parts.append(f"{label} ❔ (no data)")
            continue
        mark = "✅" if value <= limit else "⚠️"
        parts.append(f"{label} {fmt.format(value)} {mark} (limit {fmt.format(limit)})")
    return ", ".join(parts) + "."


def snapshot(deps, start: float, end: float) -> list[Stat]:
    """min / mean / max of each metric over [start, end]; a metric Prometheus cannot give says why."""
    end = max(end, start + 60)
    step = f"{max(int((end - start) / 120), 15)}s"
    stats = []
    for label, field, fmt in METRICS:
        try:
            series = deps.prom.range(getattr(deps.queries, field), _dt(start), _dt(end), step)
        except IntegrationError as exc:
            stats.append(Stat(name=label, fmt=fmt, error=exc.message))
            continue
        points = [(t.timestamp(), v) for s in series[:1] for t, v in s.points if v == v]
        values = [v for _, v in points]
        stats.append(
            Stat(
                name=label,
                fmt=fmt,
                points=points,
                low=min(values, default=None),
                mean=sum(values) / len(values) if values else None,
                high=max(values, default=None),
            )
        )
    return stats


def markdown(incident, timeline: list, stats: list[Stat], chart_note: str) -> str:
    lines = [
        f"# Incident report (draft): #{incident.number} {incident.title}",
        "",
        "## Summary",
        "",
        "_One paragraph: what happened, who was affected, how it was fixed._",
        "",
        *_facts(incident),
        "",
        "## Timeline (UTC)",
        "",
    ]
    lines += [f"- {_clock(e.at)} · {e.kind} · {e.text}" + (f" ({e.who})" if e.who else "") for e in timeline]
    lines += ["", "## Metrics during the incident", "", "| Metric | Min | Mean | Max |", "|---|---|---|---|"]
    lines += [_stat_row(s) for s in stats]
    lines += [
        "",
        chart_note,
        "",
        "## Root cause",
        "",
        "_TBD_",
        "",
        "## Impact",
        "",
        "_TBD_",
        "",
        "## Action items",
        "",
        "- [ ] _owner: action (due date)_",
        "",
    ]
    return "\n".join(lines)


def _facts(incident) -> list[str]:
    end = incident.resolved_at
    facts = [
        f"- **Severity:** {incident.severity}",
        f"- **Service:** {incident.service or '-'}",
        f"- **PagerDuty:** {incident.html_url or incident.id}",
        f"- **Opened:** {_clock(incident.created_at)}",
    ]
    if incident.acknowledged_at:
        facts.append(
            f"- **Time to acknowledge:** {_span(incident.acknowledged_at - incident.created_at)}"
            f" ({incident.acknowledged_by or 'unknown'})"
        )
    if end:
        facts += [
            f"- **Time to resolve:** {_span(end - incident.created_at)}",
            f"- **Duration:** {_span(end - incident.created_at)} (resolved {_clock(end)})",
        ]
    return facts


def _stat_row(stat: Stat) -> str:
    if stat.error:
        return f"| {stat.name} | unavailable: {stat.error} | | |"
    cells = ["no data" if v is None else stat.fmt.format(v) for v in (stat.low, stat.mean, stat.high)]
    return f"| {stat.name} | " + " | ".join(cells) + " |"


def charts(stats: list[Stat]) -> tuple[list[tuple[str, bytes]], str]:
    """One PNG per metric that has data in the window (their units differ), and a note for the report."""
    pngs = []
    for stat in stats:
        if not stat.points:
            continue
        points = [(_dt(ts), value) for ts, value in stat.points]
        pngs.append(
            (stat.name, line_chart(f"{stat.name} during the incident", {stat.name: points}, stat.name))
        )
    if not pngs:
        return [], "_No chart: Prometheus had no data for the window._"
    return pngs, "Charts: " + ", ".join(name for name, _ in pngs) + " (attached PNGs)."


def _span(seconds: float) -> str:
    minutes = int(max(seconds, 0) // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _clock(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)
