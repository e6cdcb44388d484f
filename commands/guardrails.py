"""`/llm guardrails [24h|7d|30d]`: guardrail violations by type and risk level with the trend against
the previous period of the same length (`/llm guardrails export` is in guardrails_export)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel

from commands import guardrails_export
from commands.blockkit import context, escape, header, listing, section
from commands.deps import Deps
from commands.spec import Arg, CommandSpec, Request

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
RISKS = ("high", "medium", "low")
QUERY = "sum(increase(guardrails_violations_total[{w}]{offset})) by (violation_type, risk_level)"


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


class GuardrailsRequest(Request):
    window: Literal["24h", "7d", "30d"] = "24h"


def run(request: GuardrailsRequest, deps: Deps) -> Violations:
    return violations(deps, request.window)


def count_lines(report: Violations) -> list[str]:
    return [
        f"• *{escape(c.risk_level)}* {escape(c.violation_type)}: {c.now:,.0f} ({trend(c.now, c.before)})"
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
    return "\n".join([summary(report)] + count_lines(report))


SPECS = (
    CommandSpec(
        name="guardrails",
        summary="Guardrail violations by type and risk level, with the trend against the previous period",
        example="/llm guardrails 7d",
        args=(Arg("window", "24h (the default), 7d or 30d", required=False, choices=tuple(WINDOWS)),),
        request=GuardrailsRequest,
        run=run,
        render=render,
        render_text=render_text,
    ),
    guardrails_export.SPEC,
)
