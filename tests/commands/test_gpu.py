"""The pure parts of `/llm gpu` and its export: joining DCGM samples, flags, windows, the CSV shape."""

from datetime import datetime, timedelta, timezone

import pytest

from commands import windows
from commands.errors import CommandError
from commands.gpu import Gpu, GpuReport, collect, gpu_line
from commands.gpu_export import Row, csv_line, step_for

NODE = {"Hostname": "node-a", "gpu": "3", "modelName": "NVIDIA A100-SXM4-80GB", "UUID": "GPU-1"}
AT = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_samples_of_the_five_metrics_join_into_one_gpu():
    samples = [
        ({**NODE, "__name__": name}, value)
        for name, value in (
            ("DCGM_FI_DEV_GPU_TEMP", 85),
            ("DCGM_FI_DEV_GPU_UTIL", 3),
            ("DCGM_FI_DEV_FB_USED", 1024),
            ("DCGM_FI_DEV_FB_FREE", 80_000),
            ("DCGM_FI_DEV_POWER_USAGE", 90.5),
        )
    ]
    assert collect(samples) == [
        Gpu(
            node="node-a",
            index=3,
            name="NVIDIA A100-SXM4-80GB",
            uuid="GPU-1",
            util=3,
            used=1024,
            free=80_000,
            temp=85,
            power=90.5,
        )
    ]


def test_a_gpu_above_the_hot_threshold_and_at_the_idle_threshold_gets_both_flags():
    gpu = Gpu(node="n", index=0, name="A100", uuid="", util=5, used=1024, free=1024, temp=83.5, power=100)
    report = GpuReport(at=AT, gpus=[gpu], hot_celsius=83, idle_percent=5)
    assert gpu_line(report, gpu) == "GPU 0: 5% · 1.0/2.0 GiB · 84 °C · 100 W 🔥 hot 💤 idle"


def test_a_gpu_with_a_missing_metric_shows_a_question_mark_not_a_crash():
    gpu = Gpu(node="n", index=1, name="A100", uuid="", util=50, temp=60, power=200)
    report = GpuReport(at=AT, gpus=[gpu], hot_celsius=83, idle_percent=5)
    assert gpu_line(report, gpu) == "GPU 1: 50% · ?/? GiB · 60 °C · 200 W"


def test_csv_rows_read_like_nvidia_smi_with_na_for_what_is_missing():
    full = Row(
        at=AT,
        node="node-a",
        index=2,
        name="NVIDIA A100-SXM4-80GB",
        values={"util": 55, "used": 74200, "free": 7320, "temp": 62, "power": 300},
    )
    assert csv_line(full) == (
        "2024/05/01 12:00:00.000, NVIDIA A100-SXM4-80GB, 2, 55 %, 74200 MiB, 81520 MiB, 62, 300.00 W, node-a"
    )
    partial = Row(at=AT, node="node-a", index=2, name="A100", values={"util": 55})
    assert csv_line(partial).split(", ")[4:8] == ["[N/A]", "[N/A]", "[N/A]", "[N/A]"]


def test_the_export_step_stays_five_minutes_until_a_window_needs_more_than_2000_points():
    assert step_for(timedelta(hours=24)) == timedelta(minutes=5)
    assert step_for(timedelta(days=7)) == timedelta(days=7) / 2000


def test_windows_parse_minutes_hours_and_days_and_refuse_the_rest():
    assert windows.parse("90m", timedelta(days=1)) == timedelta(minutes=90)
    assert [windows.label(timedelta(hours=h)) for h in (24, 36, 48, 168)] == ["24h", "36h", "2d", "7d"]
    with pytest.raises(CommandError, match="not a window"):
        windows.parse("yesterday", timedelta(days=1))
    with pytest.raises(CommandError, match="at most 24h"):
        windows.parse("2d", timedelta(days=1))
