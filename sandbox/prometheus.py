"""Run a real Prometheus for the sandbox: backfill days of workload history with promtool, then
scrape the synthetic exporter every 2 s, evaluate sandbox/prometheus_rules.yml and send the alerts
to the sandbox's Alertmanager when it has one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from sandbox import workload
from sandbox.child import ChildServer
from sandbox.exporter import format_labels, format_value

INSTANCE = "sandbox-exporter"  # live scrapes are relabelled to this so they continue the backfilled series
READY_TIMEOUT_SECONDS = 30.0
DENSE_TAIL_SECONDS = 600
DENSE_STEP_SECONDS = 10


class PrometheusMissing(RuntimeError):
    """No `prometheus` or `promtool` on PATH: the sandbox runs without metrics."""


class SandboxPrometheus:
    """A Prometheus child process with a fresh data dir under `workdir`; stop() always ends it."""

    def __init__(
        self,
        workdir: Path,
        exporter_url: str,
        history_days: int = 7,
        step_seconds: int = 300,
        alertmanager_url: str = "",
    ):
        self.workdir = Path(workdir)
        self.exporter_url = exporter_url
        self.alertmanager_url = alertmanager_url  # empty: the alerts stay in Prometheus
        self.history_days = history_days
        self.step_seconds = step_seconds
        self.timings: dict[str, float] = {}
        self.url: str | None = None
        self._child = ChildServer(
            "prometheus", self.workdir / "prometheus.log", ready_timeout=READY_TIMEOUT_SECONDS
        )

    def start(self) -> str:
        """Backfill, configure and launch; returns the base URL once /-/ready answers."""
        began = time.monotonic()
        binary, promtool = _require("prometheus"), _require("promtool")
        data = self._fresh_data_dir()
        self.timings["backfill_seconds"] = self._backfill(promtool, data)
        config = self._write_config()
        self.url = self._child.start(
            lambda port: [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}",  # alerts' generatorURL links here
                "--storage.tsdb.retention.time=30d",
            ]
        )
        self.timings["start_seconds"] = time.monotonic() - began
        return self.url

    def stop(self) -> None:
        self._child.stop()

    def _fresh_data_dir(self) -> Path:
        data = self.workdir / "data"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        return data

    def _backfill(self, promtool: str, data: Path) -> float:
        began = time.monotonic()
        end = time.time() - 5  # before the first live scrape, which comes ~5 s after launch
        history = self.workdir / "history.om"
        write_history(history, history_times(end, self.history_days, self.step_seconds))
        command = [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            "--max-block-duration=24h",
            str(history),
            str(data),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
        history.unlink()
        return time.monotonic() - began

    def _write_config(self) -> Path:
        rules = self.workdir / "prometheus_rules.yml"
        rules.write_text(resources.files("sandbox").joinpath("prometheus_rules.yml").read_text())
        target = urlsplit(self.exporter_url)
        config = {
            "global": {"scrape_interval": "2s", "evaluation_interval": "2s", "scrape_timeout": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": [
                {
                    "job_name": "vllm",
                    "scheme": target.scheme or "http",
                    "static_configs": [{"targets": [target.netloc]}],
                    "relabel_configs": [{"target_label": "instance", "replacement": INSTANCE}],
                }
            ],
        }
        if self.alertmanager_url:
            config["alerting"] = {"alertmanagers": [_alertmanager(self.alertmanager_url)]}
        path = self.workdir / "prometheus.yml"
        path.write_text(json.dumps(config, indent=2))  # JSON is YAML
        return path


def history_times(end: float, days: int, step: int) -> list[float]:
    """Coarse steps for the days, then the last 10 minutes at scrape-like density so that rate()
    over [1m] or [5m] is right from the first query after start."""
    dense_from = end - DENSE_TAIL_SECONDS
    coarse = range(int((end - days * 86_400) // step * step), int(dense_from), step)
    dense = [dense_from + i * DENSE_STEP_SECONDS for i in range(DENSE_TAIL_SECONDS // DENSE_STEP_SECONDS + 1)]
    return [float(t) for t in coarse] + dense


def write_history(path: Path, times: list[float]) -> None:
    """OpenMetrics for promtool: raw series as Prometheus would have scraped them, plus recorded ones."""
    scraped = {"job": "vllm", "instance": INSTANCE}
    with path.open("w") as out:
        for t in times:
            for name, labels, value in workload.history(t):
                out.write(f"{name}{format_labels({**labels, **scraped})} {format_value(value)} {t:.3f}\n")
            for name, labels, value in workload.recorded(t):
                out.write(f"{name}{format_labels(labels)} {format_value(value)} {t:.3f}\n")
        out.write("# EOF\n")


def _require(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PrometheusMissing(f"`{name}` is not on PATH; install Prometheus to get sandbox metrics")
    return found


def _alertmanager(url: str) -> dict:
    target = urlsplit(url)
    return {
        "scheme": target.scheme or "http",
        "timeout": "2s",
        "static_configs": [{"targets": [target.netloc]}],
    }
