"""A real Alertmanager (Debian's `prometheus-alertmanager`) for the sandbox: one node, second-scale
grouping so a notification leaves within a second or two, and one webhook receiver that the sandbox
points at the bot (with bearer auth) once the bot's port is known."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import requests
import yaml

from sandbox.child import ChildServer

RECEIVER = "llmbot"
GROUP_BY = ["alertname", "namespace", "service"]  # what the bot's Silence buttons will match on
TIMEOUT_SECONDS = 5.0


class AlertmanagerMissing(RuntimeError):
    """No `prometheus-alertmanager` (or `alertmanager`) on PATH: the sandbox runs without alert routing."""


class SandboxAlertmanager:
    """An Alertmanager child process with its own config and storage under `workdir`."""

    def __init__(
        self,
        workdir: Path,
        group_wait: str = "1s",
        group_interval: str = "1s",
        repeat_interval: str = "1h",
        resolve_timeout: str = "10s",
    ):
        self.workdir = Path(workdir)
        self.route = {
            "receiver": RECEIVER,
            "group_by": GROUP_BY,
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        }
        self.resolve_timeout = resolve_timeout  # only for alerts posted without endsAt (push())
        self.timings: dict[str, float] = {}
        self._webhook: dict | None = None  # until set_receiver(), notifications go nowhere
        self._child = ChildServer("alertmanager", self.workdir / "alertmanager.log")

    @property
    def url(self) -> str | None:
        return self._child.url

    def start(self) -> str:
        """Write the config and launch; returns the base URL once /-/ready answers."""
        began = time.monotonic()
        binary = _require()
        storage = self.workdir / "data"
        shutil.rmtree(storage, ignore_errors=True)
        storage.mkdir(parents=True)
        config = self._write_config()
        url = self._child.start(
            lambda port: [
                binary,
                f"--config.file={config}",
                f"--storage.path={storage}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}",  # the webhook's externalURL
                "--cluster.listen-address=",  # one node: no gossip port, no settle wait
            ]
        )
        self.timings["start_seconds"] = time.monotonic() - began
        return url

    def stop(self) -> None:
        self._child.stop()

    def set_receiver(self, url: str, token: str) -> None:
        """Deliver every group to `url` with `Authorization: Bearer <token>`, from now on."""
        self._webhook = {
            "url": url,
            "send_resolved": True,
            "http_config": {"authorization": {"type": "Bearer", "credentials": token}},
        }
        self._write_config()
        if self.url:
            self._post("/-/reload")

    def clear_receiver(self) -> None:
        """Deliver nowhere again (notifications are dropped), as before any set_receiver."""
        self._webhook = None
        self._write_config()
        if self.url:
            self._post("/-/reload")

    def push(self, alerts: list[dict]) -> None:
        """Post alerts as Prometheus would (API v2: labels, annotations, startsAt, endsAt, generatorURL)."""
        self._post("/api/v2/alerts", json=alerts)

    def config(self) -> dict:
        receiver: dict = {"name": RECEIVER}
        if self._webhook:
            receiver["webhook_configs"] = [self._webhook]
        return {
            "global": {"resolve_timeout": self.resolve_timeout},
            "route": self.route,
            "receivers": [receiver],
        }

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / "alertmanager.yml"
        path.write_text(yaml.safe_dump(self.config(), sort_keys=False))
        return path

    def _post(self, path: str, **kwargs) -> None:
        if not self.url:
            raise RuntimeError("alertmanager is not running")
        response = requests.post(f"{self.url}{path}", timeout=TIMEOUT_SECONDS, **kwargs)
        if not response.ok:
            raise RuntimeError(f"alertmanager {path}: HTTP {response.status_code} {response.text[:300]}")


def _require() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None:
        raise AlertmanagerMissing(
            "`prometheus-alertmanager` is not on PATH; install Debian's prometheus-alertmanager"
        )
    return found
