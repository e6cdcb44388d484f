"""`/llm gpu export [24h]`: DCGM history as a CSV in nvidia-smi's
`--query-gpu=timestamp,name,index,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw
--format=csv` layout, built from one Prometheus range query, uploaded in the answer's thread."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, field_validator

from commands import windows
from commands.blockkit import code, context, header, section
from commands.deps import Deps
from commands.errors import CommandError
from commands.gpu import METRICS, SELECTOR, key
from commands.spec import Arg, CommandSpec, FileOut, Request

# nvidia-smi's own header; `host` is ours, last, because nvidia-smi only ever sees one machine
HEADER = (
    "timestamp, name, index, utilization.gpu [%], memory.used [MiB], memory.total [MiB], "
    "temperature.gpu, power.draw [W], host"
)
NA = "[N/A]"  # what nvidia-smi prints for a value it cannot read
MAX_WINDOW = timedelta(days=7)
MAX_POINTS = 2000  # per series; well inside Prometheus' 11,000


class Row(BaseModel):
    at: datetime
    node: str
    index: int
    name: str
    values: dict[str, float]  # util, used, free, temp, power: whichever Prometheus had


class GpuExport(BaseModel):
    window: str
    step: str
    start: datetime
    end: datetime
    gpus: int
    rows: list[Row]


def step_for(window: timedelta) -> timedelta:
    """5 minutes, or coarser when that would exceed MAX_POINTS."""
    return max(timedelta(minutes=5), window / MAX_POINTS)


def rows_from(series: list[tuple[dict[str, str], list[tuple[datetime, float]]]]) -> list[Row]:
    found: dict[tuple[datetime, str, int], Row] = {}
    for labels, points in series:
        node, index = key(labels)
        for at, value in points:
            row = found.setdefault(
                (at, node, index),
                Row(at=at, node=node, index=index, name=labels.get("modelName", "GPU"), values={}),
            )
            row.values[METRICS[labels["__name__"]]] = value
    return [found[k] for k in sorted(found)]


def csv_line(row: Row) -> str:
    v = row.values
    total = v["used"] + v["free"] if "used" in v and "free" in v else None
    cells = [
        f"{row.at:%Y/%m/%d %H:%M:%S}.{row.at.microsecond // 1000:03d}",
        row.name,
        str(row.index),
        _cell(v.get("util"), "{:.0f} %"),
        _cell(v.get("used"), "{:.0f} MiB"),
        _cell(total, "{:.0f} MiB"),
        _cell(v.get("temp"), "{:.0f}"),
        _cell(v.get("power"), "{:.2f} W"),
        row.node,
    ]
    return ", ".join(cells)


def _cell(value: float | None, fmt: str) -> str:
    return NA if value is None else fmt.format(value)


class GpuExportRequest(Request):
    window: str = "24h"

    @field_validator("window")
    @classmethod
    def _a_window(cls, window: str) -> str:
        return windows.checked(window, MAX_WINDOW)


def run(request: GpuExportRequest, deps: Deps) -> GpuExport:
    window = windows.parse(request.window, MAX_WINDOW)
    step = step_for(window)
    end = deps.now()
    series = deps.prom.range(SELECTOR, end - window, end, f"{int(step.total_seconds())}s")
    rows = rows_from([(s.labels, s.points) for s in series])
    if not rows:
        raise CommandError(f"Prometheus has no DCGM metrics for the last {windows.label(window)}.")
    return GpuExport(
        window=windows.label(window),
        step=windows.label(step),
        start=end - window,
        end=end,
        gpus=len({(r.node, r.index) for r in rows}),
        rows=rows,
    )


def content(export: GpuExport) -> str:
    return "\n".join([HEADER, *(csv_line(r) for r in export.rows)]) + "\n"


def filename(export: GpuExport) -> str:
    return f"gpu-metrics-{export.end:%Y%m%d-%H%M}-{export.window}.csv"


def files(export: GpuExport) -> list[FileOut]:
    return [
        FileOut(
            filename=filename(export), title=f"GPU metrics, last {export.window}", content=content(export)
        )
    ]


def _summary(export: GpuExport) -> str:
    return (
        f"{export.gpus} GPUs, {len(export.rows):,} rows: one per GPU every {export.step} over the last "
        f"{export.window} ({export.start:%Y-%m-%d %H:%M} to {export.end:%Y-%m-%d %H:%M %Z})"
    )


def render(export: GpuExport) -> list[dict]:
    return [
        header("GPU metrics export"),
        section(f"📎 {_summary(export)}. The CSV {code(filename(export))} is in the thread."),
        context(
            "Columns as `nvidia-smi --query-gpu=timestamp,name,index,utilization.gpu,memory.used,"
            "memory.total,temperature.gpu,power.draw --format=csv`, plus the host"
        ),
    ]


def render_text(export: GpuExport) -> str:
    return f"GPU metrics export: {_summary(export)} -> {filename(export)}"


SPEC = CommandSpec(
    name="gpu export",
    summary="Upload a CSV of every GPU's metrics over a window, in nvidia-smi's CSV layout",
    example="/llm gpu export 24h",
    args=(Arg("window", "how far back, e.g. 6h, 24h (the default) or 7d", required=False),),
    request=GpuExportRequest,
    run=run,
    render=render,
    render_text=render_text,
    files=files,
)
