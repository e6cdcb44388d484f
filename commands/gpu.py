"""`/llm gpu`: every GPU's utilisation, memory, temperature and power from DCGM, by node, with hot
and idle GPUs flagged against the manual's thresholds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from commands.blockkit import context, escape, header, listing, section
from commands.deps import Deps
from commands.spec import CommandSpec, Request

METRICS = {
    "DCGM_FI_DEV_GPU_UTIL": "util",
    "DCGM_FI_DEV_FB_USED": "used",
    "DCGM_FI_DEV_FB_FREE": "free",
    "DCGM_FI_DEV_GPU_TEMP": "temp",
    "DCGM_FI_DEV_POWER_USAGE": "power",
}
SELECTOR = '{__name__=~"' + "|".join(METRICS) + '"}'


class Gpu(BaseModel):
    node: str
    index: int
    name: str
    uuid: str
    util: float | None = None
    used: float | None = None  # MiB
    free: float | None = None  # MiB
    temp: float | None = None  # °C
    power: float | None = None  # W

    @property
    def total(self) -> float | None:
        return None if self.used is None or self.free is None else self.used + self.free


class GpuReport(BaseModel):
    at: datetime
    gpus: list[Gpu]
    hot_celsius: float
    idle_percent: float

    def hot(self, gpu: Gpu) -> bool:
        return gpu.temp is not None and gpu.temp > self.hot_celsius

    def idle(self, gpu: Gpu) -> bool:
        return gpu.util is not None and gpu.util <= self.idle_percent

    @property
    def nodes(self) -> dict[str, list[Gpu]]:
        grouped: dict[str, list[Gpu]] = {}
        for gpu in sorted(self.gpus, key=lambda g: (g.node, g.index)):
            grouped.setdefault(gpu.node, []).append(gpu)
        return grouped


def key(labels: dict[str, str]) -> tuple[str, int]:
    return labels.get("Hostname", "?"), int(labels.get("gpu", "0"))


def collect(samples: list[tuple[dict[str, str], float]]) -> list[Gpu]:
    """One Gpu per (Hostname, gpu) from DCGM samples of the five metrics, whatever their order."""
    found: dict[tuple[str, int], Gpu] = {}
    for labels, value in samples:
        node, index = key(labels)
        gpu = found.setdefault(
            (node, index),
            Gpu(node=node, index=index, name=labels.get("modelName", "GPU"), uuid=labels.get("UUID", "")),
        )
        setattr(gpu, METRICS[labels["__name__"]], value)
    return list(found.values())


class GpuRequest(Request):
    pass


def run(request: GpuRequest, deps: Deps) -> GpuReport:
    samples = deps.prom.vector(SELECTOR)
    return GpuReport(
        at=deps.now(),
        gpus=collect([(s.labels, s.value) for s in samples]),
        hot_celsius=deps.platform.gpu_hot_celsius,
        idle_percent=deps.platform.gpu_idle_percent,
    )


def _num(value: float | None, fmt: str) -> str:
    return "?" if value is None else format(value, fmt)


def gpu_line(report: GpuReport, gpu: Gpu) -> str:
    flags = (" 🔥 hot" if report.hot(gpu) else "") + (" 💤 idle" if report.idle(gpu) else "")
    memory = f"{_num(gpu.used and gpu.used / 1024, '.1f')}/{_num(gpu.total and gpu.total / 1024, '.1f')} GiB"
    return (
        f"GPU {gpu.index}: {_num(gpu.util, '.0f')}% · {memory} · {_num(gpu.temp, '.0f')} °C · "
        f"{_num(gpu.power, '.0f')} W{flags}"
    )


def summary(report: GpuReport) -> str:
    if not report.gpus:
        return "❔ Prometheus has no DCGM metrics: is the DCGM exporter running?"
    hot = [g for g in report.gpus if report.hot(g)]
    idle = [g for g in report.gpus if report.idle(g)]
    utils = [g.util for g in report.gpus if g.util is not None]
    average = f" · average utilisation {sum(utils) / len(utils):.0f}%" if utils else ""
    head = "⚠️" if hot or idle else "✅"
    return (
        f"{head} {len(report.gpus)} GPUs on {len(report.nodes)} nodes{average} · {len(hot)} hot "
        f"(>{report.hot_celsius:g} °C) · {len(idle)} idle (≤{report.idle_percent:g}%)"
    )


def render(report: GpuReport) -> list[dict]:
    blocks = [header("GPU health"), section(summary(report))]
    for node, gpus in list(report.nodes.items())[:45]:
        blocks.append(
            listing(f"{escape(node)} · {escape(gpus[0].name)}", [gpu_line(report, g) for g in gpus])
        )
    return blocks + [context(f"DCGM metrics from Prometheus at {report.at:%Y-%m-%d %H:%M %Z}".strip())]


def render_text(report: GpuReport) -> str:
    out = [summary(report)]
    for node, gpus in report.nodes.items():
        out += [escape(node)] + [f"  {gpu_line(report, g)}" for g in gpus]
    return "\n".join(out)


SPEC = CommandSpec(
    name="gpu",
    summary="Per-GPU utilisation, memory, temperature and power by node; hot and idle GPUs flagged",
    example="/llm gpu",
    details="Thresholds: platform.gpu_hot_celsius and platform.gpu_idle_percent in the config.",
    request=GpuRequest,
    run=run,
    render=render,
    render_text=render_text,
)
