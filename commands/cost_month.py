"""`/llm cost month [YYYY-MM]`: a whole past month of the platform's spend by service (default: last
month), as finance closes it, against the monthly budget (daily budget × the month's days)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from pydantic import BaseModel, field_validator

from commands import cost_scope
from commands.blockkit import code, escape, header, money, section
from commands.budget import Budget
from commands.deps import Deps
from commands.errors import CommandError
from commands.platform import PageLink
from commands.spec import Arg, CommandSpec, Request
from integrations.aws_models import ServiceCost

MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
SHOWN = 15


class CostMonthRequest(Request):
    month: str | None = None  # YYYY-MM; None: last month

    @field_validator("month")
    @classmethod
    def _a_month(cls, month: str | None) -> str | None:
        if month is not None and not MONTH.match(month):
            raise ValueError(f"{code(month[:20])} is not a month: write it as YYYY-MM, e.g. 2025-01.")
        return month


class MonthReport(BaseModel):
    month: date  # its first day
    services: list[ServiceCost]  # largest first
    budget: Budget
    estimated: bool
    scope: str = cost_scope.WHOLE_ACCOUNT
    links: list[PageLink] = []

    @property
    def total(self) -> float:
        return sum(s.usd for s in self.services)


def first_of(request: CostMonthRequest, today: date) -> date:
    """The month asked for (last month by default); a month that has not ended is refused."""
    if request.month is None:
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    year, month = (int(part) for part in request.month.split("-"))
    first = date(year, month, 1)
    if first >= today.replace(day=1):
        raise CommandError(
            f"{request.month} has not ended yet; `/llm cost mtd` shows this month so far "
            "and `/llm cost forecast` where it is heading."
        )
    return first


def run(request: CostMonthRequest, deps: Deps) -> MonthReport:
    first = first_of(request, deps.now().date())
    found = deps.aws.month_by_service(first, deps.cost_filter)
    days = calendar.monthrange(first.year, first.month)[1]
    return MonthReport(
        month=first,
        services=found.services,
        budget=Budget(usd=deps.platform.daily_budget_usd * days, tolerance=deps.platform.budget_tolerance),
        estimated=found.estimated,
        scope=cost_scope.scope(deps),
        links=deps.links.pick("cost_explorer", "runbook"),
    )


def _lines(report: MonthReport) -> list[str]:
    total = report.total or 1.0
    lines = [f"• {escape(s.service)}: {money(s.usd)} ({s.usd / total:.0%})" for s in report.services[:SHOWN]]
    rest = report.services[SHOWN:]
    if rest:
        lines.append(f"• {len(rest)} more services: {money(sum(s.usd for s in rest))}")
    return lines


def render(report: MonthReport) -> list[dict]:
    note = " (Cost Explorer still estimates part of it)" if report.estimated else ""
    return [
        header(f"AWS cost: {report.month:%B %Y}"),
        section(f"{report.budget.describe(report.total)} for {report.month:%B %Y}{note}"),
        section("*By service*\n" + ("\n".join(_lines(report)) or "no spend recorded")),
        cost_scope.footer(
            f"Unblended cost of {escape(report.scope)}, monthly granularity · budget = daily budget × "
            f"{calendar.monthrange(report.month.year, report.month.month)[1]} days",
            report.links,
        ),
    ]


def render_text(report: MonthReport) -> str:
    head = [f"AWS cost, {report.month:%B %Y}, {report.scope}", report.budget.describe(report.total)]
    return "\n".join(head + [line.replace("• ", "  ") for line in _lines(report)])


SPEC = CommandSpec(
    name="cost month",
    summary="A whole past month of the platform's AWS spend by service (default: last month)",
    example="/llm cost month 2025-01",
    args=(Arg("month", "YYYY-MM; last month when left out", required=False),),
    request=CostMonthRequest,
    run=run,
    render=render,
    render_text=render_text,
)
