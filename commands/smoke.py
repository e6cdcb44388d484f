"""The manual's post-maintenance checks: the smoke test (HTTP checks against inference and RAG, and
every restored pod ready) and the metrics check half an hour later, against the platform's limits."""

from __future__ import annotations

from commands.calendar_settings import SmokeTest
from commands.deps import Deps
from integrations import smoke
from integrations.errors import IntegrationError
from integrations.smoke import Check


def smoke_test(deps: Deps, settings: SmokeTest, counts: dict[str, int]) -> list[Check]:
    checks: list[Check] = []
    if settings.inference_url:
        checks += smoke.inference(str(settings.inference_url), settings.model, settings.timeout_seconds)
    if settings.rag_url:
        checks += smoke.rag(str(settings.rag_url), settings.timeout_seconds)
    return checks + [_pods_ready(deps, name, n) for name, n in counts.items()]


def _pods_ready(deps: Deps, name: str, wanted: int) -> Check:
    pods = deps.kube.pods_for(deps.platform.namespace, name)
    ready = sum(1 for p in pods if p.ready)
    return Check(name=f"{name} pods", ok=ready >= wanted, detail=f"{ready}/{wanted} ready")


def metrics_check(deps: Deps) -> str:
    """One line per success criterion, as Prometheus sees the platform now."""
    q, p = deps.queries, deps.platform
    rows = [
        ("Error rate", q.error_rate, p.error_rate_limit, lambda v: f"{v:.2%}"),
        ("P95 latency", q.p95_latency_seconds, p.p95_latency_limit_seconds, lambda v: f"{v:.2f} s"),
        ("GPU utilisation", q.gpu_utilization_percent, p.gpu_utilization_high_percent, lambda v: f"{v:.0f}%"),
    ]
    lines = [_metric_line(deps, *row) for row in rows]
    throughput = _value(deps, q.throughput_rps)
    lines.append(f"• Throughput: {'n/a' if throughput is None else f'{throughput:.1f} req/s'}")
    return "\n".join(lines)


def _metric_line(deps: Deps, title: str, query: str, limit: float, show) -> str:
    value = _value(deps, query)
    if value is None:
        return f"❔ {title}: no data"
    return f"{'✅' if value <= limit else '⚠️'} {title}: {show(value)} (limit {show(limit)})"


def _value(deps: Deps, query: str) -> float | None:
    try:
        return deps.prom.scalar(query)
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return None
