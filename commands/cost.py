"""`/llm cost [today|yesterday|7d|mtd]`: the platform's AWS spend by service from Cost Explorer (narrowed
by `aws.cost_filter`), judged against the manual's daily budget ± tolerance scaled to the period's days,
on both sides. The other cost verbs (forecast, month, ec2, spot) live in their own modules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel

from commands import cost_ec2, cost_forecast, cost_month, cost_scope, cost_spot
from commands.blockkit import escape, header, money, section
from commands.budget import Budget, Verdict
from commands.deps import Deps
from commands.platform import PageLink
from commands.spec import Arg, CommandSpec, Request
from integrations.aws_models import EC2_COMPUTE, ServiceCost

PERIODS = ("today", "yesterday", "7d", "mtd")
COMPUTE = EC2_COMPUTE  # Cost Explorer's name for EC2 instance hours
LINKS = ("cost_explorer", "runbook")


class CostReport(BaseModel):
    period: str
    start: date
    end: date  # exclusive
    services: list[ServiceCost]
    budget: Budget
    estimated: bool
    scope: str = cost_scope.WHOLE_ACCOUNT  # what was counted, e.g. "tag Project = llm-platform"
    links: list[PageLink] = []

    @property
    def total(self) -> float:
        return sum(s.usd for s in self.services)

    @property
    def compute(self) -> float:
        return sum(s.usd for s in self.services if s.service == COMPUTE)


def period_range(period: str, today: date) -> tuple[date, date]:
    """[start, end) of a named period; `mtd` is month to date, today included."""
    if period == "today":
        return today, today + timedelta(days=1)
    if period == "7d":
        return today - timedelta(days=7), today
    if period == "mtd":
        return today.replace(day=1), today + timedelta(days=1)
    return today - timedelta(days=1), today


class CostRequest(Request):
    period: Literal["today", "yesterday", "7d", "mtd"] = "yesterday"


def run(request: CostRequest, deps: Deps) -> CostReport:
    period = request.period
    start, end = period_range(period, deps.now().date())
    found = cost_scope.by_service(deps, start, end)
    days = (end - start).days
    budget = Budget(usd=deps.platform.daily_budget_usd * days, tolerance=deps.platform.budget_tolerance)
    return CostReport(
        period=period,
        start=start,
        end=end,
        services=found.services,
        budget=budget,
        estimated=found.estimated,
        scope=cost_scope.scope(deps),
        links=deps.links.pick(*LINKS),
    )


def _span(report: CostReport) -> str:
    last = report.end - timedelta(days=1)
    return f"{report.start}" if last == report.start else f"{report.start} to {last}"


def _service_lines(report: CostReport) -> list[str]:
    total = report.total or 1.0
    lines = [f"• EC2 compute: {money(report.compute)} ({report.compute / total:.0%})"]
    others = [s for s in report.services if s.service != COMPUTE]
    return lines + [f"• {escape(s.service)}: {money(s.usd)} ({s.usd / total:.0%})" for s in others[:15]]


def render(report: CostReport) -> list[dict]:
    note = " (includes Cost Explorer estimates for days not yet closed)" if report.estimated else ""
    return [
        header(f"AWS cost: {report.period}"),
        section(f"{report.budget.describe(report.total)} for {_span(report)}{note}"),
        section("*By service*\n" + "\n".join(_service_lines(report))),
        cost_scope.footer(
            f"Unblended cost of {escape(report.scope)} from Cost Explorer · budget "
            f"{money(report.budget.usd)} for {(report.end - report.start).days} day(s)",
            report.links,
        ),
    ]


def render_text(report: CostReport) -> str:
    lines = [
        f"AWS cost, {report.period} ({_span(report)}), {report.scope}",
        report.budget.describe(report.total),
    ]
    return "\n".join(lines + [line.replace("• ", "  ") for line in _service_lines(report)])  # names escaped


SPECS = (
    CommandSpec(
        name="cost",
        summary="The platform's AWS spend by service against the daily budget",
        example="/llm cost 7d",
        args=(
            Arg(
                "period",
                "today, yesterday (the default), the last 7 days, or mtd (month to date)",
                required=False,
                choices=PERIODS,
            ),
        ),
        details="Counts what aws.cost_filter selects (the whole account when unset). EC2 compute is shown "
        "on its own line; multi-day periods are judged against the daily budget × days, and spend more "
        "than the tolerance under the budget is flagged too.",
        request=CostRequest,
        run=run,
        render=render,
        render_text=render_text,
    ),
    cost_forecast.SPEC,
    cost_month.SPEC,
    cost_ec2.SPEC,
    cost_spot.SPEC,
)

__all__ = ["SPECS", "Budget", "CostReport", "Verdict", "period_range"]
