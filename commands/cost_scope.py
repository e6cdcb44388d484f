"""The platform's cost, not the account's: every Cost Explorer question the commands ask goes through
here with `aws.cost_filter` (the manual's cost-filter.json), and `scope` says in words what was
counted. The weekly report's cost per inference and the monthly review call these too."""

from __future__ import annotations

from datetime import date

from commands.blockkit import context
from commands.deps import Deps
from commands.platform import PageLink, linked
from integrations.aws_models import CostBreakdown, CostFilter, DailyCost, Forecast, KeyValues

WHOLE_ACCOUNT = "the whole AWS account"


def daily(deps: Deps, start: date, end: date) -> list[DailyCost]:
    """The platform's unblended cost per day over [start, end)."""
    return deps.aws.daily_costs(start, end, deps.cost_filter)


def spend(deps: Deps, start: date, end: date) -> float:
    """The platform's unblended cost over [start, end), e.g. a week for the cost per inference."""
    return sum(day.usd for day in daily(deps, start, end))


def by_service(deps: Deps, start: date, end: date) -> CostBreakdown:
    return deps.aws.costs_by_service(start, end, deps.cost_filter)


def forecast(deps: Deps, start: date, end: date) -> Forecast:
    return deps.aws.cost_forecast(start, end, deps.cost_filter)


def footer(words: str, links: list[PageLink]) -> dict:
    """The context line every cost answer ends with: how it was counted, then the manual's links."""
    return context(" · ".join(part for part in (words, linked(links)) if part))


def scope(deps: Deps) -> str:
    """What the figures count, e.g. "tag Project = llm-platform"."""
    return describe(deps.cost_filter) if deps.cost_filter is not None else WHOLE_ACCOUNT


def describe(expression: CostFilter) -> str:
    """A Cost Explorer Expression in words (plain text; callers escape it)."""
    if expression.and_:
        return " and ".join(_grouped(e) for e in expression.and_)
    if expression.or_:
        return " or ".join(_grouped(e) for e in expression.or_)
    if expression.not_ is not None:
        return f"not {_grouped(expression.not_)}"
    if expression.tags is not None:
        return _values("tag", expression.tags)
    if expression.cost_categories is not None:
        return _values("cost category", expression.cost_categories)
    return _values(expression.dimensions.key.lower().replace("_", " "), expression.dimensions)


def _grouped(expression: CostFilter) -> str:
    text = describe(expression)
    return f"({text})" if expression.and_ or expression.or_ else text


def _values(kind: str, values: KeyValues) -> str:
    if "ABSENT" in (values.match_options or []):
        return f"no {kind} {values.key}"
    shown = ", ".join(values.values)
    if kind in ("tag", "cost category"):
        return f"{kind} {values.key} = {shown}"
    return f"{kind} {shown}"
