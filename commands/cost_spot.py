"""`/llm cost spot [7d|30d]`: spot instances are savings, not waste. The platform's EC2 compute spend
by purchase type (on demand, spot, savings plans) from Cost Explorer, and what spot saved, estimated
from `platform.spot_price_ratio` (what the same hours would have cost on demand)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel

from commands import cost_scope
from commands.blockkit import escape, header, money, section
from commands.deps import Deps
from commands.platform import PageLink
from commands.spec import Arg, CommandSpec, Request
from integrations.aws_models import PurchaseSplit

PERIODS = {"7d": 7, "30d": 30}


class CostSpotRequest(Request):
    period: Literal["7d", "30d"] = "30d"


class SpotReport(BaseModel):
    period: str
    split: PurchaseSplit
    scope: str = cost_scope.WHOLE_ACCOUNT
    links: list[PageLink] = []


def run(request: CostSpotRequest, deps: Deps) -> SpotReport:
    today = deps.now().date()
    start = today - timedelta(days=PERIODS[request.period])
    split = deps.aws.by_purchase_type(start, today, deps.cost_filter, deps.platform.spot_price_ratio)
    return SpotReport(
        period=request.period,
        split=split,
        scope=cost_scope.scope(deps),
        links=deps.links.pick("cost_explorer", "runbook"),
    )


def _share(usd: float, split: PurchaseSplit) -> str:
    return f"{money(usd)} ({usd / split.total_usd:.0%})" if split.total_usd else money(usd)


def _lines(report: SpotReport) -> list[str]:
    s = report.split
    known = {"On Demand Instances", "Spot Instances", "Savings Plans"}
    others = [f"{escape(k)}: {_share(v, s)}" for k, v in sorted(s.by_type.items()) if k not in known]
    return [
        f"On demand: {_share(s.on_demand_usd, s)}",
        f"Spot: {_share(s.spot_usd, s)}",
        f"Savings Plans: {_share(s.savings_plans_usd, s)}",
        *others,
    ]


def _saving(report: SpotReport) -> str:
    s = report.split
    if not s.spot_usd:
        return "No spot spend in this period, so nothing saved by spot."
    return (
        f"💰 Spot saved about {money(s.spot_saving_usd)}: the same instance hours on demand would have "
        f"cost about {money(s.on_demand_equivalent_usd)} instead of {money(s.spot_usd)}."
    )


def _how(report: SpotReport) -> str:
    ratio = report.split.spot_price_ratio
    return (
        f"Estimate: on-demand prices taken as {ratio:g}× spot prices (platform.spot_price_ratio), so the "
        f"saving is spot spend × {ratio - 1:g}"
    )


def _span(report: SpotReport) -> str:
    return f"{report.split.start} to {report.split.end - timedelta(days=1)}"


def render(report: SpotReport) -> list[dict]:
    note = " (includes Cost Explorer estimates)" if report.split.estimated else ""
    return [
        header(f"Spot vs on demand: last {report.period}"),
        section(
            f"EC2 compute {money(report.split.total_usd)} for {_span(report)}{note}\n"
            + "\n".join(f"• {line}" for line in _lines(report))
        ),
        section(_saving(report)),
        cost_scope.footer(
            f"{_how(report)} · unblended cost of {escape(report.scope)} by purchase type", report.links
        ),
    ]


def render_text(report: SpotReport) -> str:
    head = f"Spot vs on demand, {_span(report)}, {report.scope}: EC2 compute {money(report.split.total_usd)}"
    return "\n".join([head, *(f"  {line}" for line in _lines(report)), _saving(report), _how(report)])


SPEC = CommandSpec(
    name="cost spot",
    summary="Spot vs on-demand EC2 spend and what spot saved (an estimate, explained)",
    example="/llm cost spot",
    args=(Arg("period", "the last 30 days (the default) or 7", required=False, choices=tuple(PERIODS)),),
    request=CostSpotRequest,
    run=run,
    render=render,
    render_text=render_text,
)
