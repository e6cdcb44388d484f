"""`/llm gpu` and `/llm gpu export` end to end against the sandbox's real Prometheus (DCGM history)."""

import re
import time

from commands.gpu_export import HEADER
from sandbox import workload
from sandbox.platform import free_port
from tests.report_helpers import ask, text_of
from tests.support import start_bot


def hot_gpu_temperature() -> float:
    samples = workload.dcgm(time.time())
    host, gpu = workload.HOT_GPU
    return next(
        v
        for name, labels, v in samples
        if name == "DCGM_FI_DEV_GPU_TEMP"
        and labels["Hostname"] == workload.HOSTS[host]
        and labels["gpu"] == str(gpu)
    )


def test_gpu_lists_sixteen_gpus_by_node_and_flags_the_one_running_hot(sandbox, tmp_path):
    threshold = hot_gpu_temperature() - 2  # the warm card is ~9 °C above the others at any hour
    running = start_bot(sandbox, tmp_path / "db.sqlite", platform={"gpu_hot_celsius": threshold})
    try:
        answer, _ = ask(running, "gpu")
    finally:
        running.server.stop()
    text = text_of(answer)
    assert re.search(
        rf"⚠️ 16 GPUs on 2 nodes · average utilisation \d+% · 1 hot \(>{threshold:g} °C\) · 0 idle", text
    )
    node_blocks = [
        b["text"]["text"]
        for b in answer["blocks"]
        if b["type"] == "section" and "ec2.internal" in b["text"]["text"]
    ]
    assert [b.splitlines()[0] for b in node_blocks] == [
        f"*{h} · NVIDIA A100-SXM4-80GB*" for h in workload.HOSTS
    ]
    hot_line = node_blocks[1].splitlines()[1 + workload.HOT_GPU[1]]
    assert re.fullmatch(r"GPU 5: \d+% · \d+\.\d/79\.6 GiB · \d+ °C · \d+ W 🔥 hot", hot_line), hot_line
    assert running.rejected() == []


def test_gpu_export_uploads_an_nvidia_smi_style_csv_in_the_answers_thread(bot, sandbox):
    answer, [upload] = ask(bot, "gpu export 1h", files=1)
    assert "📎 16 GPUs" in text_of(answer)
    lines = upload["file"]["content"].splitlines()
    assert lines[0] == HEADER
    row = re.compile(
        r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.000, NVIDIA A100-SXM4-80GB, \d, \d+ %, \d+ MiB, 81520 MiB, "
        r"\d+, \d+\.\d\d W, ip-10-0-1-1[12]\.ec2\.internal"
    )
    assert all(row.fullmatch(line) for line in lines[1:]), next(
        line for line in lines[1:] if not row.fullmatch(line)
    )
    assert len(lines) - 1 == 16 * 13  # every 5 minutes over an hour, both ends included
    assert upload["thread_ts"] == answer["ts"] and upload["file"]["name"].endswith("-1h.csv")


def test_gpu_export_refuses_a_window_longer_than_prometheus_keeps_right_in_the_ack(bot):
    said = bot.slash("gpu export 30d").json()["text"]
    assert said.startswith("⚠️ The window may be at most 7d.\nUsage: `/llm gpu export [window]`")
    assert bot.store.jobs("pending") == []


def test_gpu_says_prometheus_is_unavailable_when_it_does_not_answer(sandbox, tmp_path):
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", prometheus={"url": f"http://127.0.0.1:{free_port()}"}
    )
    try:
        answer, _ = ask(running, "gpu")
    finally:
        running.server.stop()
    assert answer["text"].startswith("❔ Prometheus is unavailable: refused the connection.")
