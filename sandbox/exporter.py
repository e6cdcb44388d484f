"""A synthetic exporter on 127.0.0.1:<free port>: vLLM, DCGM and guardrails metrics from
sandbox.workload at GET /metrics (Prometheus text format). Given `canary_pods` (see
exporter_canary.pods_in, wired to the Kubernetes stand-in), it serves a canary (`version="canary"`)
whenever `<deployment>-canary` has a ready pod, at its pods' share. Switches tests can flip over HTTP:

    POST /_sandbox/errors {"ratio": 0.05}                      stable error ratio from now on
    POST /_sandbox/errors {}                                   back to the normal ratio (0.3%)
    POST /_sandbox/canary {"enabled": true, "error_ratio": 0.01, "slow": false}
                          serve a canary (~10% extra traffic) whatever the cluster says; enabled
                          false: none. Either way the cluster is no longer followed.
    POST /_sandbox/canary {"error_ratio": 0.2, "slow": true}   the canary's health from now on (also
                          for canaries still to come), without enabling or disabling it
    POST /_sandbox/fault  {"status": 503}                      every scrape fails (see httpstub)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from sandbox import workload
from sandbox.exporter_canary import Canary, Health, PodCount, share_of_stable
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


class Exporter(HasStub):
    """Serves workload samples for the current time; switches only change the live future."""

    def __init__(self, clock: Clock = time.time, canary_pods: PodCount | None = None):
        self.clock = clock
        self._lock = threading.Lock()
        self._stable_errors: ErrorAnchor | None = None
        self._canary: Canary | None = None
        self._canary_health = Health()
        self._canary_pods = canary_pods  # None: only the switch starts a canary
        self.stub = StubServer("exporter")
        self.stub.route("GET", r"/metrics", self._metrics)
        self.stub.route("POST", r"/_sandbox/errors", self._set_errors)
        self.stub.route("POST", r"/_sandbox/canary", self._set_canary)

    def samples(self, t: float) -> list[workload.Sample]:
        pods = self._canary_pods() if self._canary_pods else None
        with self._lock:
            canary = self._follow(t, pods) if self._canary_pods else self._canary
            serving = workload.serving(self._stable(t)) + (canary.samples(t) if canary else [])
        return serving + workload.dcgm(t) + workload.guardrails(t)

    def _follow(self, t: float, pods: tuple[int, int] | None) -> Canary | None:
        """The canary as the cluster has it: it starts when its first pod is ready, at the share its
        pods had then, and ends with its Deployment (a new one starts its counters from zero)."""
        if pods is None:
            self._canary = None
        elif self._canary is None:
            self._canary = Canary.started(t, share_of_stable(*pods), self._canary_health)
        return self._canary

    def _stable(self, t: float) -> workload.Traffic:
        traffic = workload.stable(t)
        if self._stable_errors is None:
            return traffic
        errors = self._stable_errors.errors(traffic.served)
        return workload.Traffic("stable", traffic.served, traffic.weighted, errors, traffic.rps, traffic.load)

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

    def tune_canary(self, error_ratio: float | None = None, slow: bool = False) -> None:
        """The canary errs at `error_ratio` (None: the normal ratio) and answers slowly if `slow`, from
        now on; a canary still to come starts so."""
        health = Health(workload.ERROR_RATIO if error_ratio is None else float(error_ratio), slow)
        now = self.clock()
        with self._lock:
            self._canary_health = health
            if self._canary is not None:
                self._canary = self._canary.retuned(now, health)

    def set_canary(self, enabled: bool) -> None:
        """Serve a canary at ~10% extra traffic (or none) whatever the cluster says, from now on."""
        now = self.clock()
        with self._lock:
            self._canary_pods = None
            if not enabled:
                self._canary = None
            elif self._canary is None:
                self._canary = Canary.started(now, workload.CANARY_SHARE, self._canary_health)

    def _set_canary(self, req: Request) -> Response:
        spec = req.json() or {}
        if "error_ratio" in spec or "slow" in spec:
            self.tune_canary(spec.get("error_ratio"), bool(spec.get("slow")))
        if "enabled" in spec:
            self.set_canary(bool(spec["enabled"]))
        with self._lock:
            return Response(body={"ok": True, "enabled": self._canary is not None})


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
