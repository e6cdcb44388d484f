"""The morning checks, one function each: read one source, judge it against the manual's success
criterion, return one Line. They raise integration errors; `status.run` turns those into ❔."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from pydantic import BaseModel

from commands import alert_history, cost_scope
from commands.budget import Budget, Verdict
from commands.deps import Deps


class State(str, Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"

    @property
    def icon(self) -> str:
        return {"ok": "✅", "warn": "⚠️", "fail": "❌", "unknown": "❔"}[self.value]


class Line(BaseModel):
    key: str
    title: str
    state: State
    text: str
    details: list[str] = []


def pods(deps: Deps) -> Line:
    listed = deps.kube.list_pods(deps.platform.namespace)
    bad = [p for p in listed if not (p.phase == "Running" and p.ready)]
    if not listed:
        return Line(key="pods", title="Pods", state=State.FAIL, text=f"no pods in {deps.platform.namespace}")
    text = f"{len(listed) - len(bad)}/{len(listed)} Running and Ready in {deps.platform.namespace}"
    details = [f"{p.name}: {p.reason or p.phase}, {p.restarts} restarts" for p in bad]
    return Line(key="pods", title="Pods", state=State.FAIL if bad else State.OK, text=text, details=details)


def nodes(deps: Deps) -> Line:
    listed = deps.kube.list_nodes()
    usage = {u.name: u for u in deps.kube.node_usage()}
    limits = deps.platform
    not_ready = [n.name for n in listed if not n.ready]
    busy, worst_cpu, worst_mem = [], 0.0, 0.0
    for node in listed:
        used = usage.get(node.name)
        if used is None:
            continue
        cpu = 100 * used.cpu_millicores / max(node.cpu_capacity_millicores, 1)
        mem = 100 * used.memory_bytes / max(node.memory_capacity_bytes, 1)
        worst_cpu, worst_mem = max(worst_cpu, cpu), max(worst_mem, mem)
        if cpu > limits.node_cpu_limit_percent or mem > limits.node_memory_limit_percent:
            busy.append(f"{node.name}: CPU {cpu:.0f}%, memory {mem:.0f}%")
    busiest = f"busiest CPU {worst_cpu:.0f}%, memory {worst_mem:.0f}%"
    text = f"{len(listed) - len(not_ready)}/{len(listed)} Ready; {busiest}"
    state = State.FAIL if not_ready else State.WARN if busy else State.OK
    details = [f"{name}: NotReady" for name in not_ready] + busy
    return Line(key="nodes", title="Nodes", state=state, text=text, details=details)


def alerts(deps: Deps) -> Line:
    """The manual's criterion (no critical alert firing now), with the last 24 h as context."""
    firing = deps.prom.firing_alerts(severity="critical")
    history, past = alert_history.last_day(deps)
    if not firing:
        return Line(
            key="alerts",
            title="Critical alerts",
            state=State.OK,
            text=f"none firing now; {history}",
            details=past,
        )
    now = deps.now()
    details = [
        f"{a.name}"
        + (f" for {_age(now - a.active_since)}" if a.active_since else "")
        + (f": {a.summary}" if a.summary else "")
        for a in firing
    ]
    return Line(
        key="alerts",
        title="Critical alerts",
        state=State.FAIL,
        text=f"{len(firing)} firing; {history}",
        details=details + past,
    )


def cost(deps: Deps) -> Line:
    """Yesterday's platform cost (aws.cost_filter) against the daily budget, on both sides: over is a
    failure, far under is worth a look."""
    yesterday = deps.now().date() - timedelta(days=1)
    figure = deps.aws.cost_on(yesterday, deps.cost_filter)
    budget = Budget(usd=deps.platform.daily_budget_usd, tolerance=deps.platform.budget_tolerance)
    if figure is None:
        return Line(
            key="cost",
            title="Cost",
            state=State.UNKNOWN,
            text=f"Cost Explorer has no figure for {yesterday} yet",
        )
    verdict = budget.judge(figure.usd)
    text = f"${figure.usd:,.0f} on {yesterday} against ${budget.usd:,.0f} ±{budget.tolerance:.0%} budget"
    off = abs(figure.usd - budget.usd) / budget.usd
    text += {
        Verdict.WITHIN: "",
        Verdict.OVER: f", {off:.0%} over",
        Verdict.UNDER: f", {off:.0%} under: worth a look",
    }[verdict]
    state = {Verdict.WITHIN: State.OK, Verdict.OVER: State.FAIL, Verdict.UNDER: State.WARN}[verdict]
    return Line(
        key="cost", title="Cost", state=state, text=text, details=[f"counted: {cost_scope.scope(deps)}"]
    )


def error_rate(deps: Deps) -> Line:
    value = deps.prom.scalar(deps.queries.error_rate)
    limit = deps.platform.error_rate_limit
    if value is None:
        return Line(
            key="error_rate", title="Error rate", state=State.UNKNOWN, text="no traffic in the last 5 minutes"
        )
    state = State.OK if value < limit else State.FAIL
    return Line(key="error_rate", title="Error rate", state=state, text=f"{value:.2%} (limit {limit:.0%})")


def latency(deps: Deps) -> Line:
    value = deps.prom.scalar(deps.queries.p95_latency_seconds)
    limit = deps.platform.p95_latency_limit_seconds
    if value is None:
        return Line(
            key="latency", title="p95 latency", state=State.UNKNOWN, text="no requests in the last 5 minutes"
        )
    state = State.OK if value <= limit else State.WARN
    return Line(key="latency", title="p95 latency", state=state, text=f"{value:.2f} s (limit {limit:g} s)")


def throughput(deps: Deps) -> Line:
    value = deps.prom.scalar(deps.queries.throughput_rps)
    if not value:
        return Line(
            key="throughput",
            title="Throughput",
            state=State.WARN,
            text="0 requests/s: is traffic reaching vLLM?",
        )
    return Line(key="throughput", title="Throughput", state=State.OK, text=f"{value:.1f} requests/s")


def gpus(deps: Deps) -> Line:
    value = deps.prom.scalar(deps.queries.gpu_utilization_percent)
    high = deps.platform.gpu_utilization_high_percent
    if value is None:
        return Line(key="gpus", title="GPU utilisation", state=State.UNKNOWN, text="no DCGM data")
    state = State.OK if value <= high else State.WARN
    return Line(
        key="gpus", title="GPU utilisation", state=state, text=f"{value:.0f}% average (high {high:g}%)"
    )


def _age(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


# (key, title, check) in the order the manual lists them
CHECKS = (
    ("pods", "Pods", pods),
    ("nodes", "Nodes", nodes),
    ("alerts", "Critical alerts", alerts),
    ("cost", "Cost", cost),
    ("error_rate", "Error rate", error_rate),
    ("latency", "p95 latency", latency),
    ("throughput", "Throughput", throughput),
    ("gpus", "GPU utilisation", gpus),
)
