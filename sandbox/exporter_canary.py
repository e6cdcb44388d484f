"""The canary's traffic in the synthetic exporter: its counters start when it starts, it serves its
share of stable's request rate (one pod serves what a stable pod serves), and its health comes in
phases, each continuing the counters where the last left them, so rate() sees a step, never a reset."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from sandbox import workload

# Shapes of a slow canary, as workload's: bucket bounds, cumulative shares off-peak and at peak, means.
SLOW_LATENCY = (
    workload.LATENCY[0],
    (0.02, 0.05, 0.15, 0.3, 0.45, 0.6, 0.7, 0.85, 0.97, 1.0),  # p95 ≈ 9 s
    (0.02, 0.05, 0.15, 0.3, 0.45, 0.6, 0.7, 0.85, 0.97, 1.0),
    (4.0, 4.0),
)
SLOW_TTFT = (
    workload.TTFT[0],
    (0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.8, 0.97, 1.0),  # p95 ≈ 2.3 s
    (0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.8, 0.97, 1.0),
    (0.9, 0.9),
)
HISTOGRAMS = {"vllm_request_latency_seconds": 0, "vllm_time_to_first_token_seconds": 1}
PodCount = Callable[[], "tuple[int, int] | None"]  # (canary pods ready, stable pods ready), None: no canary


@dataclass(frozen=True)
class Health:
    error_ratio: float = workload.ERROR_RATIO
    slow: bool = False

    def shape(self, histogram: str) -> tuple:
        normal, slow = (workload.LATENCY, SLOW_LATENCY), (workload.TTFT, SLOW_TTFT)
        return (normal, slow)[HISTOGRAMS[histogram]][self.slow]


@dataclass(frozen=True)
class Phase:
    """The canary's counts when this health began."""

    served: float
    weighted: float
    errors: float
    health: Health


@dataclass(frozen=True)
class Canary:
    since: float
    share: float  # of stable's request rate
    phases: tuple[Phase, ...]

    @classmethod
    def started(cls, t: float, share: float, health: Health) -> "Canary":
        return cls(t, share, (Phase(0.0, 0.0, 0.0, health),))

    def counts(self, t: float) -> tuple[float, float]:
        """Requests served since the start, and their peak-weighted count (see workload)."""
        served = self.share * (workload.requests_served(t) - workload.requests_served(self.since))
        return served, self.share * (workload.peak_weighted(t) - workload.peak_weighted(self.since))

    def errors(self, served: float) -> float:
        last = self.phases[-1]
        return last.errors + last.health.error_ratio * (served - last.served)

    @property
    def health(self) -> Health:
        return self.phases[-1].health

    def retuned(self, t: float, health: Health) -> "Canary":
        served, weighted = self.counts(t)
        return replace(self, phases=(*self.phases, Phase(served, weighted, self.errors(served), health)))

    def samples(self, t: float) -> list[workload.Sample]:
        served, weighted = self.counts(t)
        rps = self.share * workload.requests_per_second(t)
        traffic = workload.Traffic("canary", served, weighted, self.errors(served), rps, workload.load(t))
        phased = self._histograms(served, weighted)
        return [phased.get(_key(s), s) for s in workload.serving(traffic)]

    def _histograms(self, served: float, weighted: float) -> dict[tuple, workload.Sample]:
        """Each phase's requests counted in its own shape, the phases added up."""
        ends = [(p.served, p.weighted) for p in self.phases[1:]] + [(served, weighted)]
        labels = {"deployment": workload.DEPLOYMENT, "version": "canary", "model_name": workload.MODEL}
        added: dict[tuple, workload.Sample] = {}
        for phase, (end_served, end_weighted) in zip(self.phases, ends, strict=True):
            part = workload.Traffic(
                "canary", end_served - phase.served, end_weighted - phase.weighted, 0, 0, 0
            )
            for name in HISTOGRAMS:
                for metric, metric_labels, value in workload.histogram(
                    name, labels, phase.health.shape(name), part
                ):
                    before = added.get(_key((metric, metric_labels, value)), ("", {}, 0))[2]
                    added[_key((metric, metric_labels, value))] = (
                        metric,
                        metric_labels,
                        round(before + value, 3),
                    )
        return added


def _key(sample: workload.Sample) -> tuple:
    return sample[0], tuple(sorted(sample[1].items()))


def share_of_stable(canary_pods: int, stable_pods: int) -> float:
    """Traffic spreads evenly over the Service's pods: one canary pod serves what one stable pod does."""
    return canary_pods / max(stable_pods, 1)


def pods_in(cluster, namespace: str = "llm-inference", deployment: str = workload.DEPLOYMENT) -> PodCount:
    """Asks the Kubernetes stand-in's cluster (in-process) how many canary and stable pods are ready."""

    def count() -> tuple[int, int] | None:
        with cluster.lock:
            canary = cluster.get("deployments", namespace, f"{deployment}-canary")
            stable = cluster.get("deployments", namespace, deployment)
            ready = [(d or {}).get("status", {}).get("readyReplicas") or 0 for d in (canary, stable)]
        return None if canary is None or not ready[0] else (ready[0], ready[1])

    return count
