"""`/llm cost forecast`: the platform's spend this month so far plus Cost Explorer's forecast for the rest
of it (both narrowed by `aws.cost_filter`), against the monthly budget (the daily budget × the month's
days), on both sides."""

from __future__ import annotations

import calendar
from datetime import timedelta

from pydantic import BaseModel

from commands import cost_scope
from commands.blockkit import escape, header, money, section
from commands.budget import Budget
from commands.deps import Deps
from commands.platform import PageLink
from commands.spec import CommandSpec, Request


class CostForecastRequest(Request):
    pass


class Forecast(BaseModel):
    month: str
    month_to_date: float
    forecast: float
    low: float | None
    high: float | None
    budget: Budget
    scope: str = cost_scope.WHOLE_ACCOUNT
    links: list[PageLink] = []

    @property
    def projected(self) -> float:
        return self.month_to_date + self.forecast


def forecast(request: CostForecastRequest, deps: Deps) -> Forecast:
    today = deps.now().date()
    first = today.replace(day=1)
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    next_month = first + timedelta(days=days_in_month)
    spent = cost_scope.spend(deps, first, today) if today > first else 0.0
    ahead = cost_scope.forecast(deps, today, next_month)
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
        scope=cost_scope.scope(deps),
        links=deps.links.pick("cost_explorer", "runbook"),
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
        cost_scope.footer(
            f"Cost Explorer's forecast of the unblended cost of {escape(result.scope)} · "
            "monthly budget = daily budget × days in month",
            result.links,
        ),
    ]


def render_forecast_text(result: Forecast) -> str:
    return "\n".join(_forecast_lines(result))


SPEC = CommandSpec(
    name="cost forecast",
    summary="This month's spend so far plus Cost Explorer's forecast, against the monthly budget",
    example="/llm cost forecast",
    request=CostForecastRequest,
    run=forecast,
    render=render_forecast,
    render_text=render_forecast_text,
)
