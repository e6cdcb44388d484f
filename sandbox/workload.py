"""The sandbox's synthetic LLM platform: every metric is a deterministic function of time with a
daily cycle (peak 15:00 UTC), so backfilled history and the live exporter tell one continuous story.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Labels = dict[str, str]
Sample = tuple[str, Labels, float]

ORIGIN = 1_600_000_000.0  # counters count from here, so every counter is the integral of its rate
OMEGA = 2 * math.pi / 86_400
PHASE = OMEGA * 15 * 3600 - math.pi / 2
BASE_RPS = 40.0
SWING = 0.25  # requests/s swing between 30 and 50 over the day
ERROR_RATIO = 0.003
ERROR_WOBBLE = 0.001 * BASE_RPS * 3600 / (2 * math.pi)  # moves the ratio between ~0.2% and ~0.4% hourly
CANARY_SHARE = 0.1
DEPLOYMENT = "vllm-llama-3-70b"
MODEL = "meta-llama/Meta-Llama-3-70B-Instruct"
HOSTS = ("ip-10-0-1-11.ec2.internal", "ip-10-0-1-12.ec2.internal")
HOT_GPU = (1, 5)  # (host index, gpu) of the card that runs warm
FB_TOTAL_MIB = 81_920

# Cumulative share of requests at or under each bucket bound, off-peak and at peak load.
LATENCY = (
    (0.25, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10, math.inf),
    (0.20, 0.45, 0.75, 0.93, 0.97, 0.985, 0.993, 0.999, 1.0, 1.0),
    (0.12, 0.35, 0.65, 0.86, 0.935, 0.965, 0.982, 0.997, 1.0, 1.0),
    (0.8, 1.0),
)
TTFT = (
    (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 1, 2.5, math.inf),
    (0.10, 0.40, 0.85, 0.96, 0.985, 0.993, 0.999, 1.0, 1.0),
    (0.05, 0.25, 0.70, 0.90, 0.96, 0.98, 0.997, 1.0, 1.0),
    (0.15, 0.2),
)
GUARDRAIL_RATES = {"prompt_injection": 4e-5, "pii_leak": 2e-5, "toxicity": 3e-5, "jailbreak": 1e-5}
RISK_SHARES = {"low": 1.0, "medium": 0.4, "high": 0.1}
TYPES = {
    "vllm_requests_total": "counter",
    "vllm_request_errors_total": "counter",
    "vllm_request_latency_seconds": "histogram",
    "vllm_time_to_first_token_seconds": "histogram",
    "vllm_num_requests_running": "gauge",
    "vllm_gpu_cache_usage_perc": "gauge",
    "guardrails_violations_total": "counter",
}


def load(t: float) -> float:
    """0 at the nightly trough, 1 at the afternoon peak."""
    return 0.5 * (1 + math.sin(OMEGA * t - PHASE))


def requests_per_second(t: float) -> float:
    return BASE_RPS * (1 + SWING * math.sin(OMEGA * t - PHASE))


def requests_served(t: float) -> float:
    """All requests since ORIGIN: the integral of requests_per_second."""

    def antiderivative(x: float) -> float:
        return BASE_RPS * (x - SWING * math.cos(OMEGA * x - PHASE) / OMEGA)

    return antiderivative(t) - antiderivative(ORIGIN)


def peak_weighted(t: float) -> float:
    """Integral of requests_per_second * load: how many requests were served under peak conditions."""

    def antiderivative(x: float) -> float:
        s, a = OMEGA * x - PHASE, SWING
        sin_squared = x / 2 - math.sin(2 * s) / (4 * OMEGA)
        return BASE_RPS / 2 * (x - (1 + a) * math.cos(s) / OMEGA + a * sin_squared)

    return antiderivative(t) - antiderivative(ORIGIN)


def default_errors(t: float) -> float:
    wobble = ERROR_WOBBLE * (1 - math.cos(2 * math.pi * (t - ORIGIN) / 3600))
    return ERROR_RATIO * requests_served(t) + wobble


def default_error_ratio(t: float) -> float:
    wobble_rate = 0.001 * BASE_RPS * math.sin(2 * math.pi * (t - ORIGIN) / 3600)
    return ERROR_RATIO + wobble_rate / requests_per_second(t)


@dataclass(frozen=True)
class Traffic:
    """Cumulative counts for one version of the deployment."""

    version: str
    served: float
    weighted: float
    errors: float
    rps: float
    load: float


def serving(traffic: Traffic) -> list[Sample]:
    labels = {"deployment": DEPLOYMENT, "version": traffic.version, "model_name": MODEL}
    mean_latency = 0.8 + 0.2 * traffic.load
    return [
        ("vllm_requests_total", labels, math.floor(traffic.served)),
        ("vllm_request_errors_total", labels, math.floor(traffic.errors)),
        *histogram("vllm_request_latency_seconds", labels, LATENCY, traffic),
        *histogram("vllm_time_to_first_token_seconds", labels, TTFT, traffic),
        ("vllm_num_requests_running", labels, round(traffic.rps * mean_latency)),
        ("vllm_gpu_cache_usage_perc", labels, round(0.3 + 0.45 * traffic.load, 4)),
    ]


def histogram(name: str, labels: Labels, shape: tuple, traffic: Traffic) -> list[Sample]:
    bounds, off_peak, peak, (mean_off, mean_peak) = shape
    samples = []
    for le, low, high in zip(bounds, off_peak, peak, strict=False):
        count = low * traffic.served + (high - low) * traffic.weighted
        samples.append(
            (f"{name}_bucket", {**labels, "le": f"{le:g}".replace("inf", "+Inf")}, math.floor(count))
        )
    total = mean_off * traffic.served + (mean_peak - mean_off) * traffic.weighted
    return [
        *samples,
        (f"{name}_sum", labels, round(total, 3)),
        (f"{name}_count", labels, math.floor(traffic.served)),
    ]


def p95_latency(t: float) -> float:
    """What histogram_quantile(0.95, ...) reads from the latency buckets at time t."""
    bounds, off_peak, peak, _ = LATENCY
    w = load(t)
    cdf = [(1 - w) * low + w * high for low, high in zip(off_peak, peak, strict=False)]
    lower, below = 0.0, 0.0
    for le, share in zip(bounds, cdf, strict=False):
        if share >= 0.95:
            return lower + (le - lower) * (0.95 - below) / (share - below)
        lower, below = le, share
    return lower


def gpus() -> list[Labels]:
    return [
        {
            "gpu": str(gpu),
            "UUID": f"GPU-{host:02x}{gpu:02x}a1f3-5c2e-4d7b-9e11-0c3f{host * 8 + gpu:08x}",
            "Hostname": name,
            "device": f"nvidia{gpu}",
            "modelName": "NVIDIA A100-SXM4-80GB",
        }
        for host, name in enumerate(HOSTS)
        for gpu in range(8)
    ]


def gpu_utilization(t: float, index: int) -> float:
    offset = (index * 37) % 7 - 3
    return round(45 + 25 * load(t) + offset + 2 * math.sin(t / 600 + index), 1)


def dcgm(t: float) -> list[Sample]:
    samples, w = [], load(t)
    for index, labels in enumerate(gpus()):
        offset = (index * 37) % 7 - 3
        hot = 12 if (index // 8, index % 8) == HOT_GPU else 0
        used = 74_200 + round(600 * w) + 10 * offset
        samples += [
            ("DCGM_FI_DEV_GPU_UTIL", labels, gpu_utilization(t, index)),
            ("DCGM_FI_DEV_FB_USED", labels, used),
            ("DCGM_FI_DEV_FB_FREE", labels, FB_TOTAL_MIB - used - 400),
            ("DCGM_FI_DEV_GPU_TEMP", labels, round(60 + 12 * w + hot + (offset if not hot else 0))),
            ("DCGM_FI_DEV_POWER_USAGE", labels, round(220 + 160 * w + 3 * offset, 1)),
        ]
    return samples


def guardrails(t: float) -> list[Sample]:
    served = requests_served(t)
    return [
        (
            "guardrails_violations_total",
            {"violation_type": kind, "risk_level": level},
            math.floor(served * rate * share),
        )
        for kind, rate in GUARDRAIL_RATES.items()
        for level, share in RISK_SHARES.items()
    ]


def stable(t: float) -> Traffic:
    return Traffic(
        "stable", requests_served(t), peak_weighted(t), default_errors(t), requests_per_second(t), load(t)
    )


def recorded(t: float) -> list[Sample]:
    """The recording rules' values at time t, for backfilling history the rules never saw."""
    average = sum(gpu_utilization(t, i) for i in range(len(gpus()))) / len(gpus())
    return [
        ("llm:throughput:requests_per_second", {}, round(requests_per_second(t), 3)),
        ("llm:error_rate:ratio5m", {}, round(default_error_ratio(t), 6)),
        ("llm:latency:p95_seconds", {}, round(p95_latency(t), 4)),
        ("gpu:utilization:average", {}, round(average, 3)),
    ]


def history(t: float) -> list[Sample]:
    """Every raw series at time t, as the exporter served it before any sandbox switch was flipped."""
    return serving(stable(t)) + dcgm(t) + guardrails(t)
