"""Canary analysis in the spirit of Argo Rollouts' AnalysisTemplate and Flagger's metric checks: the
same PromQL for the canary and the stable version, judged against the `canary:` policy, with no verdict
before both have served `min_requests` and error rates judged with a confidence test (canary_stats)."""

from __future__ import annotations

import math
import re
from statistics import NormalDist
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field, field_validator

from commands.canary_stats import more_needed, ratio_z, wilson_interval
from integrations.prometheus import PrometheusClient

Verdict = Literal["pass", "fail", "inconclusive"]
STABLE_ERROR_RATE_FLOOR = 1e-4  # below 0.01% a ratio to stable says nothing, so it is not checked
_DURATION = re.compile(r"^(\d+(ms|[smhdwy]))+$")


class CanaryQueries(BaseModel):
    """PromQL templates, one per VersionMetrics field; `{version}` and `{window}` are filled in and
    literal braces are doubled. The manual's `rate(vllm_request_errors_total{version="canary"}[5m])`
    counts errors per second, so the error rate here divides by requests to compare with 1%."""

    model_config = {"extra": "forbid"}

    error_rate: str = (
        'sum(rate(vllm_request_errors_total{{version="{version}"}}[{window}]))'
        ' / sum(rate(vllm_requests_total{{version="{version}"}}[{window}]))'
    )
    p95_latency_seconds: str = (
        "histogram_quantile(0.95, sum by (le) "
        '(rate(vllm_request_latency_seconds_bucket{{version="{version}"}}[{window}])))'
    )
    ttft_p95_seconds: str = (
        "histogram_quantile(0.95, sum by (le) "
        '(rate(vllm_time_to_first_token_seconds_bucket{{version="{version}"}}[{window}])))'
    )
    throughput_rps: str = 'sum(rate(vllm_requests_total{{version="{version}"}}[{window}]))'
    requests: str = 'sum(increase(vllm_requests_total{{version="{version}"}}[{window}]))'

    @field_validator("*")
    @classmethod
    def _fills_in(cls, template: str) -> str:
        try:
            template.format(version="canary", window="5m")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"only {{version}} and {{window}} may be filled in; double literal braces ({error})"
            ) from None
        return template


class CanaryPolicy(BaseModel):
    """The `canary:` section of the config."""

    model_config = {"extra": "forbid"}

    max_error_rate: float = Field(0.01, gt=0, le=1)
    max_p95_latency_seconds: float = Field(3.0, gt=0)
    max_ttft_p95_seconds: float = Field(0.5, gt=0)
    max_error_rate_ratio_to_stable: float = Field(2.0, ge=1, description="ignored while stable is ~0")
    min_requests: int = Field(
        500, ge=1, description="requests in the window each of canary and stable needs before a verdict"
    )
    confidence: float = Field(
        0.99, gt=0.5, lt=1, description="one-sided confidence before an error rate counts as over a limit"
    )
    window: str = Field("5m", description="PromQL range, e.g. 1m, 5m, 1h30m")
    status_update_seconds: float = Field(
        60, gt=0, description="how often the canary status message is refreshed"
    )
    deployment: str = Field("vllm-llama-3-70b", description="the production Deployment a canary shadows")
    share: float = Field(0.10, gt=0, lt=1, description="canary pods' share of all vLLM pods (≈ traffic)")
    canary_version: str = "canary"
    stable_version: str = "stable"
    queries: CanaryQueries = Field(default_factory=CanaryQueries)

    @field_validator("window")
    @classmethod
    def _is_a_duration(cls, window: str) -> str:
        if not _DURATION.match(window):
            raise ValueError(f"{window!r} is not a PromQL duration such as 5m")
        return window


class VersionMetrics(BaseModel):
    """One version's numbers over the window; None where Prometheus had no data."""

    error_rate: float | None = None
    p95_latency_seconds: float | None = None
    ttft_p95_seconds: float | None = None
    throughput_rps: float | None = None
    requests: float | None = None


class CanaryAnalysis(BaseModel):
    canary: VersionMetrics
    stable: VersionMetrics
    verdict: Verdict
    reasons: list[str]


def analyse(prom: PrometheusClient, policy: CanaryPolicy) -> CanaryAnalysis:
    """Measure both versions and judge. Queries run one after another: each has the client's timeout
    and the first failure ends the analysis, so a dead Prometheus costs one timeout, not ten.
    Raises the client's IntegrationError for the caller to show."""
    canary = measure(prom, policy, policy.canary_version)
    stable = measure(prom, policy, policy.stable_version)
    return judge(canary, stable, policy)


def measure(prom: PrometheusClient, policy: CanaryPolicy, version: str) -> VersionMetrics:
    return VersionMetrics(
        **{
            name: prom.scalar(template.format(version=version, window=policy.window))
            for name, template in policy.queries
        }
    )


def judge(canary: VersionMetrics, stable: VersionMetrics, policy: CanaryPolicy) -> CanaryAnalysis:
    """Too little traffic on either side: inconclusive, saying how much more is needed. A limit exceeded
    beyond chance: fail. An error rate over its limit that could still be chance, or a limited metric
    without data: inconclusive. Otherwise pass. Latency and TTFT are plain thresholds, but like the
    error rate they count only once both versions have served `min_requests`."""

    def result(verdict: Verdict, reasons: list[str]) -> CanaryAnalysis:
        return CanaryAnalysis(canary=canary, stable=stable, verdict=verdict, reasons=reasons)

    short = [
        reason for version in ("canary", "stable") if (reason := _short(version, canary, stable, policy))
    ]
    if short:
        return result("inconclusive", short)
    z = NormalDist().inv_cdf(policy.confidence)
    limit, ratio = _error_limit(canary, policy, z), _error_ratio(canary, stable, policy, z)
    failures = _reasons([limit], True) + _over_limits(canary, policy) + _reasons([ratio], True)
    if failures:
        return result("fail", failures)
    doubts = _reasons([limit, ratio], False)
    missing = [
        f"no canary data for {label}" for field, label in _LIMITED.items() if getattr(canary, field) is None
    ]
    return result("inconclusive", doubts + missing) if doubts or missing else result("pass", [])


_LIMITED = {"error_rate": "error rate", "p95_latency_seconds": "p95 latency", "ttft_p95_seconds": "p95 TTFT"}


def _short(version: str, canary: VersionMetrics, stable: VersionMetrics, policy: CanaryPolicy) -> str:
    have = (canary if version == "canary" else stable).requests or 0.0
    if have >= policy.min_requests:
        return ""
    seen = f"{int(have):,}" if have else "none"
    return (
        f"need {math.ceil(policy.min_requests - have):,} more {version} requests "
        f"({seen} in the last {policy.window}; a verdict needs {policy.min_requests:,})"
    )


def _over_limits(canary: VersionMetrics, policy: CanaryPolicy) -> list[str]:
    checks = [
        ("p95 latency", canary.p95_latency_seconds, policy.max_p95_latency_seconds, _seconds),
        ("p95 TTFT", canary.ttft_p95_seconds, policy.max_ttft_p95_seconds, _seconds),
    ]
    return [
        f"{label} {show(value)} is over the {show(limit)} limit"
        for label, value, limit, show in checks
        if value is not None and value > limit
    ]


class _Excess(NamedTuple):
    """An error rate over a limit; `confident` when chance is an unlikely explanation."""

    reason: str
    confident: bool


def _reasons(found: list[_Excess | None], confident: bool) -> list[str]:
    return [excess.reason for excess in found if excess is not None and excess.confident == confident]


def _error_limit(canary: VersionMetrics, policy: CanaryPolicy, z: float) -> _Excess | None:
    rate, n, limit = canary.error_rate, canary.requests, policy.max_error_rate
    if rate is None or rate <= limit:
        return None
    reason = f"error rate {_percent(rate)} is over the {_percent(limit)} limit"
    if wilson_interval(rate * n, n, z)[0] > limit:
        return _Excess(reason, True)
    more = more_needed(n, lambda m: wilson_interval(rate * m, m, z)[0] > limit)
    return _Excess(f"{reason}, but {rate * n:.0f} errors in {n:,.0f} requests could be chance{more}", False)


def _error_ratio(
    canary: VersionMetrics, stable: VersionMetrics, policy: CanaryPolicy, z: float
) -> _Excess | None:
    rc, rs, limit = canary.error_rate, stable.error_rate, policy.max_error_rate_ratio_to_stable
    if rc is None or rs is None or rs < STABLE_ERROR_RATE_FLOOR or rc / rs <= limit:
        return None
    nc, ns = canary.requests, stable.requests
    reason = f"error rate {_percent(rc)} is {rc / rs:.1f}× stable's {_percent(rs)} (limit {limit:g}×)"
    if ratio_z(rc, nc, rs, ns, limit) >= z:
        return _Excess(reason, True)
    more = more_needed(nc, lambda m: ratio_z(rc, m, rs, ns * m / nc, limit) >= z)
    return _Excess(f"{reason}, but on {nc:,.0f} canary requests that could be chance{more}", False)


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def _seconds(value: float) -> str:
    return f"{value:.2f}s"
