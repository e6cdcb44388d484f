"""Starting the servers a benchmark measures as subprocesses, and reading what they cost from /proc:
resident memory (VmRSS, VmHWM) and CPU seconds, so a number belongs to the server, not to the load."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

LLMBOT = Path(sys.executable).with_name("llmbot")
BARE_APP = Path(__file__).with_name("bare_app.py")
TICKS = os.sysconf("SC_CLK_TCK")


def start_bot(config: Path, log: Path, on: str = "") -> subprocess.Popen:
    """`llmbot --config CONFIG serve`, logs to a file so a full pipe never stalls the server; with `on`
    ("bjoern"), bench/bot_on_<on>.py serves the same bot instead (a diagnostic)."""
    command = [str(LLMBOT), "--config", str(config), "serve"]
    if on:
        command = [sys.executable, str(Path(__file__).with_name(f"bot_on_{on}.py")), str(config)]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=out)


def start_bare_app(
    server: str,
    port: int,
    secret: str,
    threads: int,
    slack_api_url: str,
    token: str,
    log: Path,
    answer_bytes: int = 0,
) -> subprocess.Popen:
    """bench/bare_app.py on `server` (one of bare_app.SERVERS), acking "ok" padded to `answer_bytes`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(BARE_APP), server, str(port), secret, str(threads), slack_api_url, token],
            stdout=out,
            stderr=out,
            env={**os.environ, "BARE_ANSWER_BYTES": str(answer_bytes)},
        )


def wait_until_answering(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    """Any HTTP answer counts (the bare app answers GET with 404); gives up if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) in MB from /proc/<pid>/status."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its children (granian serves from a worker process),
    all threads, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    own = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)
    return own + sum(cpu_seconds(child) for child in children(pid))


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (this kernel has no /proc/<pid>/task/<tid>/children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found
