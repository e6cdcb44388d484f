"""The weekly performance report: P95 latency, throughput, error rate and cost per inference, this
week against last, with the daily series charted. With only a few days of history, last week reads
"n/a" and says where history starts. Also `/llm report weekly` and `llmbot report weekly` (Markdown).
The Wednesday post also lists the week's incidents the checklists say to document here (P1, P2: the
incident store is passed in) and is uploaded as the manual's `week-NN.md`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from commands import cost_scope
from commands.blockkit import escape
from commands.charts import line_chart
from commands.deps import Deps
from commands.incident_review import IncidentLine
from commands.spec import CommandSpec, FileOut, Request
from commands.weekly_incidents import documented, incident_lines, which
from integrations.errors import IntegrationError

WEEK = timedelta(days=7)
MIN_COVER = timedelta(days=1)  # history a week needs before its average means anything
METRICS = (  # name, recording rule, unit, format
    ("P95 latency", "llm:latency:p95_seconds", "s", "{:.2f} s"),
    ("Throughput", "llm:throughput:requests_per_second", "req/s", "{:.1f} req/s"),
    ("Error rate", "llm:error_rate:ratio5m", "", "{:.2%}"),
)


class Row(BaseModel):
    name: str
    this_week: str
    last_week: str


class WeeklyReport(BaseModel):
    at: datetime
    rows: list[Row]
    history_start: datetime | None
    daily: dict[str, list[tuple[datetime, float]]]  # "P95 latency" -> daily averages over 14 days
    notes: list[str] = []
    incidents: list[IncidentLine] | None = None  # the week's incidents to document; None: not read
    severities: list[str] = []  # which severities the report documents


class ReportWeeklyRequest(Request):
    pass


def run(request: ReportWeeklyRequest, deps: Deps) -> WeeklyReport:
    now, notes = deps.now(), []
    averages = {name: (_avg(deps, rule, ""), _avg(deps, rule, " offset 7d")) for name, rule, _, _ in METRICS}
    daily = {name: _daily(deps, rule, now) for name, rule, _, _ in METRICS}
    starts = [points[0][0] for points in daily.values() if points]
    history_start = min(starts) if starts else None
    if history_start is None or now - WEEK - history_start < MIN_COVER:  # a sliver of last week is no average
        averages = {name: (this, None) for name, (this, _) in averages.items()}
    rows = [
        Row(
            name=name,
            this_week=_show(fmt, averages[name][0], history_start),
            last_week=_show(fmt, averages[name][1], history_start),
        )
        for name, _, _, fmt in METRICS
    ]
    rows.append(_cost_row(deps, now.date(), averages["Throughput"], history_start, notes))
    report = WeeklyReport(at=now, rows=rows, history_start=history_start, daily=daily, notes=notes)
    if deps.incidents is None:
        return report
    severities = list(deps.documented)
    return with_incidents(report, documented(deps.incidents, now - WEEK, severities), severities)


def _avg(deps: Deps, rule: str, offset: str) -> float | None:
    try:
        return deps.prom.scalar(f"avg_over_time({rule}[7d]{offset})")
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return None


def _daily(deps: Deps, rule: str, now: datetime) -> list[tuple[datetime, float]]:
    try:
        series = deps.prom.range(f"avg_over_time({rule}[1d])", now - 2 * WEEK, now, "1d")
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return []
    return [(t, v) for t, v in (series[0].points if series else []) if v == v]  # drop NaN


def _cost_row(deps: Deps, today: date, throughput: tuple, history_start, notes: list[str]) -> Row:
    def per_inference(start: date, rps: float | None) -> float | None:
        if not rps:
            return None
        try:
            cost = cost_scope.spend(deps, start, start + WEEK)  # the platform's share (aws.cost_filter)
        except IntegrationError as exc:
            deps.on_backend_error(exc.system)
            notes.append(f"Cost Explorer did not answer ({exc.message}).")
            return None
        return cost / (rps * WEEK.total_seconds())

    this, last = per_inference(today - WEEK, throughput[0]), per_inference(today - 2 * WEEK, throughput[1])
    fmt = "${:.5f}"
    return Row(
        name="Cost per inference",
        this_week=_show(fmt, this, history_start),
        last_week=_show(fmt, last, history_start),
    )


def _show(fmt: str, value: float | None, history_start: datetime | None) -> str:
    if value is not None:
        return fmt.format(value)
    return f"n/a, history starts {history_start:%Y-%m-%d}" if history_start else "n/a, no history"


def with_incidents(
    report: WeeklyReport, incidents: list[IncidentLine], severities: list[str]
) -> WeeklyReport:
    return report.model_copy(update={"incidents": incidents, "severities": severities})


def render_text(report: WeeklyReport) -> str:
    lines = [
        f"# Weekly performance report ({report.at:%Y-%m-%d})",
        "",
        "| Metric | This week | Last week |",
        "|---|---|---|",
    ]
    lines += [f"| {r.name} | {r.this_week} | {r.last_week} |" for r in report.rows]
    if report.incidents is not None:
        lines += ["", f"## {which(report.severities)} incidents this week", ""]
        lines += [line.removeprefix("• ") for line in incident_lines(report.incidents)] or ["None."]
    return "\n".join(lines + [""] + [f"_{escape(n)}_" for n in report.notes])


def render(report: WeeklyReport) -> list[dict]:
    table = "\n".join(f"• *{r.name}*: {r.this_week} (last week: {r.last_week})" for r in report.rows)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly performance report"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": table}},
    ]
    if report.incidents is not None:
        lines = incident_lines(report.incidents) or [f"No {which(report.severities)} incidents this week."]
        text = f"*{which(report.severities)} incidents this week*\n" + "\n".join(lines)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    if report.notes:
        notes = " ".join(escape(n) for n in report.notes)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notes}]})
    return blocks


def week_file(report: WeeklyReport) -> FileOut:
    """The manual's `reports/week-$(date +%V).md`: the ISO week number."""
    week = report.at.isocalendar().week
    return FileOut(f"week-{week:02d}.md", f"Weekly performance report, week {week:02d}", render_text(report))


def files(report: WeeklyReport) -> list[FileOut]:
    split = report.at - WEEK
    out = [week_file(report)]
    for name, _, unit, _ in METRICS[:2]:
        points = report.daily.get(name, [])
        series = {
            "this week": [p for p in points if p[0] > split],
            "last week": [p for p in points if p[0] <= split],
        }
        slug = name.lower().replace(" ", "-")
        out.append(
            FileOut(
                f"weekly-{slug}.png", f"{name}, daily", line_chart(f"{name}, daily average", series, unit)
            )
        )
    return out


SPEC = CommandSpec(
    name="report weekly",
    summary="The weekly performance report: latency, throughput, errors, "
    "cost per inference, this week against last",
    example="/llm report weekly",
    request=ReportWeeklyRequest,
    run=run,
    render=render,
    render_text=render_text,
    files=files,
)
