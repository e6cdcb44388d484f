"""Canary analysis in the spirit of Argo Rollouts' AnalysisTemplate and Flagger's metric checks: the
same PromQL for the canary and the stable version, judged against the `canary:` policy."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

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
    min_requests: int = Field(100, ge=1, description="canary requests in the window needed for a verdict")
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
    """No or too little canary traffic: inconclusive. Any limit exceeded: fail. A limit that could not
    be checked for lack of data: inconclusive. Otherwise pass."""

    def result(verdict: Verdict, reasons: list[str]) -> CanaryAnalysis:
        return CanaryAnalysis(canary=canary, stable=stable, verdict=verdict, reasons=reasons)

    if not canary.requests:
        return result("inconclusive", [f"no canary traffic in the last {policy.window}"])
    if canary.requests < policy.min_requests:
        return result(
            "inconclusive",
            [
                f"only {canary.requests:.0f} canary requests in the last {policy.window}; "
                f"a verdict needs {policy.min_requests}"
            ],
        )
    failures = _over_limits(canary, policy) + _over_stable(canary, stable, policy)
    if failures:
        return result("fail", failures)
    missing = [
        f"no canary data for {label}" for field, label in _LIMITED.items() if getattr(canary, field) is None
    ]
    return result("inconclusive", missing) if missing else result("pass", [])


_LIMITED = {"error_rate": "error rate", "p95_latency_seconds": "p95 latency", "ttft_p95_seconds": "p95 TTFT"}


def _over_limits(canary: VersionMetrics, policy: CanaryPolicy) -> list[str]:
    checks = [
        ("error rate", canary.error_rate, policy.max_error_rate, _percent),
        ("p95 latency", canary.p95_latency_seconds, policy.max_p95_latency_seconds, _seconds),
        ("p95 TTFT", canary.ttft_p95_seconds, policy.max_ttft_p95_seconds, _seconds),
    ]
    return [
        f"{label} {show(value)} is over the {show(limit)} limit"
        for label, value, limit, show in checks
        if value is not None and value > limit
    ]


def _over_stable(canary: VersionMetrics, stable: VersionMetrics, policy: CanaryPolicy) -> list[str]:
    if canary.error_rate is None or stable.error_rate is None or stable.error_rate < STABLE_ERROR_RATE_FLOOR:
        return []
    ratio, limit = canary.error_rate / stable.error_rate, policy.max_error_rate_ratio_to_stable
    if ratio <= limit:
        return []
    return [
        f"error rate {_percent(canary.error_rate)} is {ratio:.1f}× stable's {_percent(stable.error_rate)} "
        f"(limit {limit:g}×)"
    ]


def _percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def _seconds(value: float) -> str:
    return f"{value:.2f}s"
