"""`/llm cost ec2`: the manual's second Cost Explorer query, the platform's daily EC2 compute cost over
the last 7 days (today excluded: it is not over), so a step up or down shows at a glance."""

from __future__ import annotations

from pydantic import BaseModel

from commands import cost_scope
from commands.blockkit import escape, header, money, section
from commands.deps import Deps
from commands.platform import PageLink
from commands.spec import CommandSpec, Request
from integrations.aws_models import EC2_COMPUTE, DailyCost

DAYS = 7
BAR = 24  # characters of the longest bar


class CostEc2Request(Request):
    pass


class Ec2Series(BaseModel):
    days: list[DailyCost]  # oldest first
    scope: str = cost_scope.WHOLE_ACCOUNT
    links: list[PageLink] = []

    @property
    def total(self) -> float:
        return sum(d.usd for d in self.days)

    @property
    def average(self) -> float:
        return self.total / len(self.days) if self.days else 0.0


def run(request: CostEc2Request, deps: Deps) -> Ec2Series:
    today = deps.now().date()
    found = deps.aws.daily_service(EC2_COMPUTE, DAYS, deps.cost_filter, end=today)
    return Ec2Series(
        days=sorted(found, key=lambda d: d.day),
        scope=cost_scope.scope(deps),
        links=deps.links.pick("cost_explorer", "runbook"),
    )


def _rows(series: Ec2Series) -> list[str]:
    top = max((d.usd for d in series.days), default=0.0) or 1.0
    return [
        f"{d.day:%a %Y-%m-%d}  {money(d.usd):>8}  {'█' * max(round(BAR * d.usd / top), 1 if d.usd else 0)}"
        + ("  (estimate)" if d.estimated else "")
        for d in series.days
    ]


def _summary(series: Ec2Series) -> str:
    if not series.days:
        return "Cost Explorer has no EC2 compute figures for the last 7 days."
    first, last = series.days[0], series.days[-1]
    change = (last.usd - first.usd) / first.usd if first.usd else 0.0
    return (
        f"{money(series.total)} over {len(series.days)} days, {money(series.average)} a day on average; "
        f"{last.day:%a} was {change:+.0%} against {first.day:%a}"
    )


def render(series: Ec2Series) -> list[dict]:
    blocks = [header("EC2 compute, last 7 days"), section(_summary(series))]
    if series.days:
        blocks.append(section("```" + "\n".join(_rows(series)) + "```"))
    return blocks + [
        cost_scope.footer(
            f"Daily unblended cost of Amazon Elastic Compute Cloud - Compute for {escape(series.scope)}",
            series.links,
        )
    ]


def render_text(series: Ec2Series) -> str:
    return "\n".join([f"EC2 compute, last 7 days, {series.scope}", _summary(series), *_rows(series)])


SPEC = CommandSpec(
    name="cost ec2",
    summary="The platform's daily EC2 compute cost over the last 7 days",
    example="/llm cost ec2",
    request=CostEc2Request,
    run=run,
    render=render,
    render_text=render_text,
)
