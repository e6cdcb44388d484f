"""`/llm cost [today|yesterday|7d|month]` and `/llm cost forecast`: AWS spend by service from Cost
Explorer, judged against the manual's daily budget ± tolerance (scaled to the period's days)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import Enum

from pydantic import BaseModel

from commands.blockkit import context, escape, header, money, section
from commands.deps import Deps
from commands.spec import Arg, CommandSpec
from integrations.aws_models import ServiceCost

PERIODS = ("today", "yesterday", "7d", "month")
COMPUTE = "Amazon Elastic Compute Cloud - Compute"  # Cost Explorer's name for EC2 instance hours


class Verdict(str, Enum):
    UNDER = "under"
    WITHIN = "within"
    OVER = "over"

    @property
    def icon(self) -> str:
        return "❌" if self is Verdict.OVER else "✅"


class Budget(BaseModel):
    usd: float
    tolerance: float

    def judge(self, spent: float) -> Verdict:
        if spent > self.usd * (1 + self.tolerance):
            return Verdict.OVER
        return Verdict.UNDER if spent < self.usd * (1 - self.tolerance) else Verdict.WITHIN

    def describe(self, spent: float) -> str:
        verdict = self.judge(spent)
        words = {Verdict.OVER: "over", Verdict.WITHIN: "within", Verdict.UNDER: "under"}[verdict]
        return f"{verdict.icon} {money(spent)} is {words} the {money(self.usd)} ±{self.tolerance:.0%} budget"


class CostReport(BaseModel):
    period: str
    start: date
    end: date  # exclusive
    services: list[ServiceCost]
    budget: Budget
    estimated: bool

    @property
    def total(self) -> float:
        return sum(s.usd for s in self.services)

    @property
    def compute(self) -> float:
        return sum(s.usd for s in self.services if s.service == COMPUTE)


def period_range(period: str, today: date) -> tuple[date, date]:
    """[start, end) of a named period; `month` is month to date, today included."""
    if period == "today":
        return today, today + timedelta(days=1)
    if period == "7d":
        return today - timedelta(days=7), today
    if period == "month":
        return today.replace(day=1), today + timedelta(days=1)
    return today - timedelta(days=1), today


def run(args: dict, deps: Deps) -> CostReport:
    period = args.get("period") or "yesterday"
    start, end = period_range(period, deps.now().date())
    found = deps.aws.costs_by_service(start, end)
    days = (end - start).days
    budget = Budget(usd=deps.platform.daily_budget_usd * days, tolerance=deps.platform.budget_tolerance)
    return CostReport(
        period=period, start=start, end=end, services=found.services, budget=budget, estimated=found.estimated
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
        context(
            f"Unblended cost from Cost Explorer · budget {money(report.budget.usd)} for "
            f"{(report.end - report.start).days} day(s)"
        ),
    ]


def render_text(report: CostReport) -> str:
    lines = [f"AWS cost, {report.period} ({_span(report)})", report.budget.describe(report.total)]
    return "\n".join(lines + [line.replace("• ", "  ") for line in _service_lines(report)])


class Forecast(BaseModel):
    month: str
    month_to_date: float
    forecast: float
    low: float | None
    high: float | None
    budget: Budget

    @property
    def projected(self) -> float:
        return self.month_to_date + self.forecast


def forecast(args: dict, deps: Deps) -> Forecast:
    today = deps.now().date()
    first = today.replace(day=1)
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    next_month = first + timedelta(days=days_in_month)
    spent = deps.aws.costs_by_service(first, today).total if today > first else 0.0
    ahead = deps.aws.cost_forecast(today, next_month)
    budget = Budget(
        usd=deps.platform.daily_budget_usd * days_in_month, tolerance=deps.platform.budget_tolerance
    )
    return Forecast(
        month=f"{today:%B %Y}",
        month_to_date=spent,
        forecast=ahead.usd,
        low=ahead.low,
        high=ahead.high,
        budget=budget,
    )


def _forecast_lines(result: Forecast) -> list[str]:
    interval = ""
    if result.low is not None and result.high is not None:
        low, high = result.month_to_date + result.low, result.month_to_date + result.high
        interval = f" (80% interval {money(low)}–{money(high)})"
    return [
        f"Projected for {result.month}: {result.budget.describe(result.projected)}",
        f"Month to date: {money(result.month_to_date)} · forecast for the rest: "
        f"{money(result.forecast)}{interval}",
    ]


def render_forecast(result: Forecast) -> list[dict]:
    first, second = _forecast_lines(result)
    return [
        header(f"AWS cost forecast: {result.month}"),
        section(first),
        section(second),
        context("Cost Explorer's forecast of unblended cost · monthly budget = daily budget × days in month"),
    ]


def render_forecast_text(result: Forecast) -> str:
    return "\n".join(_forecast_lines(result))


SPECS = (
    CommandSpec(
        name="cost",
        summary="AWS spend by service against the daily budget",
        example="/llm cost 7d",
        args=(
            Arg(
                "period",
                "today, yesterday (the default), the last 7 days, or month to date",
                required=False,
                choices=PERIODS,
            ),
        ),
        details="EC2 compute is shown on its own line; multi-day periods are judged against the daily budget × days.",
        run=run,
        render=render,
        render_text=render_text,
    ),
    CommandSpec(
        name="cost forecast",
        summary="This month's spend so far plus Cost Explorer's forecast, against the monthly budget",
        example="/llm cost forecast",
        run=forecast,
        render=render_forecast,
        render_text=render_forecast_text,
    ),
)
