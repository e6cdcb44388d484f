"""`/llm cost waste`: money spent on nothing (unattached EBS volumes, snapshots older than 90 days, load
balancers with nothing registered behind them), each with a monthly estimate. A load balancer whose targets
are all unhealthy is an outage, reported apart with ELB's reason codes; spot is savings (`/llm cost spot`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from commands.blockkit import code, context, escape, header, listing, money, section
from commands.deps import Deps
from commands.parts import Missing, gather
from commands.spec import CommandSpec, Request

HOURS_PER_MONTH = 730
# us-west-2 list prices, USD per GB-month (EBS) and per load balancer-hour (ELB, before LCUs)
VOLUME_GB_MONTH = {
    "gp3": 0.08,
    "gp2": 0.10,
    "io1": 0.125,
    "io2": 0.125,
    "st1": 0.045,
    "sc1": 0.015,
    "standard": 0.05,
}
SNAPSHOT_GB_MONTH = 0.05
LB_HOUR = {"application": 0.0225, "network": 0.0225, "gateway": 0.0125}
SNAPSHOT_MAX_AGE = timedelta(days=90)
OUTAGE_TITLE = "🚨 Load balancers with no healthy target (an outage, not waste)"


class Item(BaseModel):
    name: str
    detail: str
    monthly_usd: float


class Outage(BaseModel):
    name: str
    kind: str
    targets: int
    reasons: list[str]


class Part(BaseModel):
    title: str
    items: list[Item] = []
    missing: str | None = None  # why this part could not be read


class WasteReport(BaseModel):
    parts: list[Part]
    outages: list[Outage] = []  # load balancers with targets, none healthy: not waste, reported apart

    @property
    def monthly_usd(self) -> float:
        return sum(i.monthly_usd for p in self.parts for i in p.items)


def volumes(deps: Deps) -> list[Item]:
    return [
        Item(
            name=v.id,
            detail=f"{v.size_gib} GiB {v.volume_type}, unattached",
            monthly_usd=v.size_gib * VOLUME_GB_MONTH.get(v.volume_type, 0.10),
        )
        for v in deps.aws.unattached_volumes()
    ]


def snapshots(deps: Deps, now: datetime) -> list[Item]:
    old = [s for s in deps.aws.own_snapshots() if now - s.started > SNAPSHOT_MAX_AGE]
    return [
        Item(
            name=s.id,
            detail=f"{(now - s.started).days} days old, from a {s.size_gib} GiB volume"
            + (f" ({s.description})" if s.description else ""),
            monthly_usd=s.size_gib * SNAPSHOT_GB_MONTH,
        )
        for s in sorted(old, key=lambda s: s.started)
    ]


def load_balancers(deps: Deps) -> tuple[list[Item], list[Outage]]:
    """Unused balancers (nothing registered: waste) and those serving errors (none healthy: an outage)."""
    found = deps.aws.load_balancers()
    unused = [
        Item(
            name=lb.name,
            detail=f"{lb.kind}, no targets",
            monthly_usd=LB_HOUR.get(lb.kind, 0.0225) * HOURS_PER_MONTH,
        )
        for lb in found
        if lb.unused
    ]
    down = [Outage(name=b.name, kind=b.kind, targets=b.targets, reasons=b.reasons) for b in found if b.outage]
    return unused, down


TITLES = {
    "volumes": "Unattached EBS volumes",
    "snapshots": "Snapshots older than 90 days",
    "load_balancers": "Load balancers with no targets",
}


class CostWasteRequest(Request):
    pass


def run(request: CostWasteRequest, deps: Deps) -> WasteReport:
    now = deps.now()
    found = gather(
        deps,
        {
            "volumes": lambda: volumes(deps),
            "snapshots": lambda: snapshots(deps, now),
            "load_balancers": lambda: load_balancers(deps),
        },
    )
    outages: list[Outage] = []
    if not isinstance(found["load_balancers"], Missing):
        found["load_balancers"], outages = found["load_balancers"]
    return WasteReport(parts=[_part(key, value) for key, value in found.items()], outages=outages)


def _part(key: str, value) -> Part:
    if isinstance(value, Missing):
        return Part(title=TITLES[key], missing=value.reason)
    return Part(title=TITLES[key], items=value)


def _lines(part: Part) -> list[str]:
    if part.missing:
        return [f"❔ {escape(part.missing)}"]
    if not part.items:
        return ["✅ none"]
    return [f"• {code(i.name)}: {escape(i.detail)}, ~{money(i.monthly_usd)}/month" for i in part.items]


def _summary(report: WasteReport) -> str:
    count = sum(len(p.items) for p in report.parts)
    unread = [p.title for p in report.parts if p.missing]
    text = f"{count} item(s) costing about {money(report.monthly_usd)} a month"
    if report.outages:
        text += f"; {len(report.outages)} load balancer(s) down (below)"
    return text + (f"; could not check: {', '.join(unread)}" if unread else "")


def _outage_lines(report: WasteReport) -> list[str]:
    return [
        f"• {code(o.name)}: {escape(o.kind)}, 0/{o.targets} targets healthy"
        + (f" ({', '.join(code(r) for r in o.reasons)})" if o.reasons else "")
        for o in report.outages
    ]


def render(report: WasteReport) -> list[dict]:
    blocks = [
        header("AWS waste"),
        section(("⚠️ " if report.monthly_usd or report.outages else "✅ ") + _summary(report)),
    ]
    blocks += [
        listing(
            f"{p.title}" + (f" · {money(sum(i.monthly_usd for i in p.items))}/month" if p.items else ""),
            _lines(p),
        )
        for p in report.parts
    ]
    if report.outages:
        blocks.append(listing(OUTAGE_TITLE, _outage_lines(report)))
    return blocks + [
        context(
            "Estimates from list prices: gp3 $0.08 and gp2 $0.10 per GB-month, snapshots $0.05 "
            "per GB-month of source volume, load balancers $0.0225/h. Spot instances are savings: "
            "`/llm cost spot`"
        )
    ]


def render_text(report: WasteReport) -> str:
    out = [f"AWS waste: {_summary(report)}"]
    for part in report.parts:
        out += [part.title + ":"] + [f"  {line.lstrip('• ')}" for line in _lines(part)]
    if report.outages:
        out += [OUTAGE_TITLE + ":"] + [f"  {line.lstrip('• ')}" for line in _outage_lines(report)]
    return "\n".join(out)


SPEC = CommandSpec(
    name="cost waste",
    summary="Unattached volumes, old snapshots and unused load balancers, with monthly cost; "
    "load balancers that are down, apart",
    example="/llm cost waste",
    request=CostWasteRequest,
    run=run,
    render=render,
    render_text=render_text,
)
