"""A synthetic exporter on 127.0.0.1:<free port>: vLLM, DCGM and guardrails metrics from
sandbox.workload at GET /metrics (Prometheus text format), with switches tests can flip over HTTP:

    POST /_sandbox/errors {"ratio": 0.05}                      stable error ratio from now on
    POST /_sandbox/errors {}                                   back to the normal ratio (0.3%)
    POST /_sandbox/canary {"enabled": true, "error_ratio": 0.01}  serve a canary (~10% extra traffic)
    POST /_sandbox/fault  {"status": 503}                      every scrape fails (see httpstub)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from sandbox import workload
from sandbox.httpstub import HasStub, Request, Response, StubServer

Clock = Callable[[], float]


@dataclass(frozen=True)
class ErrorAnchor:
    """From `since` on, errors grow at `ratio` of requests, starting from `errors_then`."""

    since: float
    served_then: float
    errors_then: float
    ratio: float

    def errors(self, served_now: float) -> float:
        return self.errors_then + self.ratio * (served_now - self.served_then)


@dataclass(frozen=True)
class Canary:
    since: float
    errors: ErrorAnchor


class Exporter(HasStub):
    """Serves workload samples for the current time; switches only change the live future."""

    def __init__(self, clock: Clock = time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self._stable_errors: ErrorAnchor | None = None
        self._canary: Canary | None = None
        self.stub = StubServer("exporter")
        self.stub.route("GET", r"/metrics", self._metrics)
        self.stub.route("POST", r"/_sandbox/errors", self._set_errors)
        self.stub.route("POST", r"/_sandbox/canary", self._set_canary)

    def samples(self, t: float) -> list[workload.Sample]:
        with self._lock:
            traffic = [self._stable(t)] + ([self._canary_traffic(t)] if self._canary else [])
        serving = [sample for one in traffic for sample in workload.serving(one)]
        return serving + workload.dcgm(t) + workload.guardrails(t)

    def _stable(self, t: float) -> workload.Traffic:
        traffic = workload.stable(t)
        if self._stable_errors is None:
            return traffic
        errors = self._stable_errors.errors(traffic.served)
        return workload.Traffic("stable", traffic.served, traffic.weighted, errors, traffic.rps, traffic.load)

    def _canary_traffic(self, t: float) -> workload.Traffic:
        share, since = workload.CANARY_SHARE, self._canary.since
        served = share * (workload.requests_served(t) - workload.requests_served(since))
        weighted = share * (workload.peak_weighted(t) - workload.peak_weighted(since))
        rps = share * workload.requests_per_second(t)
        return workload.Traffic(
            "canary", served, weighted, self._canary.errors.errors(served), rps, workload.load(t)
        )

    def _metrics(self, req: Request) -> Response:
        return Response(body=render(self.samples(self.clock())), content_type="text/plain; version=0.0.4")

    def _set_errors(self, req: Request) -> Response:
        ratio = (req.json() or {}).get("ratio")
        return Response(body={"ok": True, "ratio": self.set_error_ratio(ratio)})

    def set_error_ratio(self, ratio: float | None = None) -> float:
        """Errors grow at `ratio` of stable requests from now on (None: the normal ratio). Counters
        continue from where they are, so rate() sees a step, never a reset."""
        ratio = workload.ERROR_RATIO if ratio is None else float(ratio)
        now = self.clock()
        with self._lock:
            current = self._stable(now)
            self._stable_errors = ErrorAnchor(now, current.served, current.errors, ratio)
        return ratio

    def _set_canary(self, req: Request) -> Response:
        spec = req.json() or {}
        now = self.clock()
        with self._lock:
            if not spec.get("enabled"):
                self._canary = None
            else:
                ratio = float(spec.get("error_ratio", workload.ERROR_RATIO))
                self._canary = self._retuned_canary(now, ratio)
        return Response(body={"ok": True, "enabled": self._canary is not None})

    def _retuned_canary(self, now: float, ratio: float) -> Canary:
        if self._canary is None:
            return Canary(now, ErrorAnchor(now, 0.0, 0.0, ratio))
        current = self._canary_traffic(now)
        return Canary(self._canary.since, ErrorAnchor(now, current.served, current.errors, ratio))


def render(samples: list[workload.Sample]) -> str:
    """Prometheus text exposition: each family's samples together under one # TYPE line."""
    families: dict[str, list[str]] = {}
    for name, labels, value in samples:
        family = _family(name)
        lines = families.setdefault(family, [f"# TYPE {family} {workload.TYPES.get(family, 'gauge')}"])
        lines.append(f"{name}{format_labels(labels)} {format_value(value)}")
    return "\n".join(line for lines in families.values() for line in lines) + "\n"


def _family(name: str) -> str:
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name and workload.TYPES.get(base) == "histogram":
            return base
    return name


def format_labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{value}"' for key, value in labels.items()) + "}"


def format_value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
