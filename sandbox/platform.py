"""The whole simulated platform on loopback: Kubernetes API, a real Prometheus over the synthetic
exporter with a real Alertmanager behind it, moto for AWS, and the Slack, PagerDuty, Qdrant, RAG and
inference stand-ins; plus the bot config that points at all of them. Used by `llmbot sandbox`,
`llmbot demo`, the tests and benches."""

from __future__ import annotations

import logging
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import yaml

from sandbox import aws, cost_data
from sandbox.alertmanager import AlertmanagerMissing, SandboxAlertmanager
from sandbox.cost_explorer import CostExplorerStub
from sandbox.eks_bridge import EksBridge
from sandbox.exporter import Exporter
from sandbox.exporter_canary import pods_in
from sandbox.huggingface import LLAMA, PINNED_REVISION, HuggingFaceStub
from sandbox.inference import InferenceStub
from sandbox.kube_api import KubeApiServer, write_kubeconfig
from sandbox.oci_registry import VLLM, RegistryStub
from sandbox.osv import OsvStub
from sandbox.pagerduty_api import PagerDutyStub
from sandbox.prometheus import PrometheusMissing, SandboxPrometheus
from sandbox.qdrant import QdrantStub
from sandbox.rag import RagStub
from sandbox.slack_api import SlackApiStub

log = logging.getLogger(__name__)

SIGNING_SECRET = "sandbox-signing-secret-0123456789"
BOT_TOKEN = "xoxb-sandbox-0000-llmbot"
APP_TOKEN = "xapp-1-A0LLMBOT-1-sandbox"  # Socket Mode's app-level token
USERS = {"U0OPS1": "approver", "U0OPS2": "approver", "U0VIEW": "viewer"}
# two secrets, as during a rotation: PagerDuty signs with both, either one verifies
PAGERDUTY_WEBHOOK_SECRETS = ("sandbox-pd-webhook-secret-2024", "sandbox-pd-webhook-secret-2025")
ALERTMANAGER_WEBHOOK_TOKEN = "sandbox-alertmanager-webhook-token-0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sandbox:
    signing_secret = SIGNING_SECRET

    def __init__(
        self,
        workdir: Path | None = None,
        with_prometheus: bool = True,
        kube_step_seconds: float = 0.3,
        with_alertmanager: bool = True,
    ):
        self._tmp = None if workdir else tempfile.mkdtemp(prefix="llmbot-sandbox-")
        self.workdir = Path(workdir or self._tmp)
        self.kube = KubeApiServer(step_seconds=kube_step_seconds)
        self.exporter = Exporter(canary_pods=pods_in(self.kube.cluster))  # a canary Deployment gets traffic
        self.prometheus = SandboxPrometheus(self.workdir / "prometheus", "") if with_prometheus else None
        self.alertmanager = SandboxAlertmanager(self.workdir / "alertmanager") if with_alertmanager else None
        self.aws = aws.SandboxAws()
        self.cost_explorer = CostExplorerStub()
        self.slack = SlackApiStub()
        self.pagerduty = PagerDutyStub()
        self.qdrant, self.rag, self.inference = QdrantStub(), RagStub(), InferenceStub()
        self.registry, self.osv, self.huggingface = RegistryStub(), OsvStub(), HuggingFaceStub()
        self.prometheus_url = ""
        self.alertmanager_url = ""
        self.kubeconfig = self.workdir / "kubeconfig.yaml"
        self._started: list = []

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "Sandbox":
        for part in (
            self.kube,
            self.exporter,
            self.aws,
            self.slack,
            self.pagerduty,
            self.qdrant,
            self.rag,
            self.inference,
            self.cost_explorer,
            self.registry,
            self.osv,
            self.huggingface,
        ):
            part.start()
            self._started.append(part)
        write_kubeconfig(str(self.kubeconfig), self.kube.url)
        self.eks_bridge = EksBridge(self.aws, self.kube.url)  # EKS resizes add and remove stand-in nodes
        self.eks_bridge.start()
        self._started.append(self.eks_bridge)
        self.alertmanager_url = self._start_alertmanager()  # first: Prometheus' config names it
        self.prometheus_url = self._start_prometheus()
        return self

    def _start_alertmanager(self) -> str:
        if self.alertmanager is None:
            return f"http://127.0.0.1:{free_port()}"  # nothing listens: alert lists fall back to Prometheus
        try:
            url = self.alertmanager.start()
        except AlertmanagerMissing as exc:
            print(f"sandbox: {exc}; running without Alertmanager", file=sys.stderr)
            self.alertmanager = None
            return f"http://127.0.0.1:{free_port()}"
        self._started.append(self.alertmanager)
        return url

    def route_alerts_to(self, bot_url: str) -> None:
        """Alertmanager delivers every alert group to the bot at `bot_url`, with the sandbox's token."""
        if self.alertmanager is not None:
            webhook = f"{bot_url.rstrip('/')}/alertmanager/webhook"
            self.alertmanager.set_receiver(webhook, ALERTMANAGER_WEBHOOK_TOKEN)

    def _start_prometheus(self) -> str:
        if self.prometheus is None:
            return f"http://127.0.0.1:{free_port()}"  # nothing listens: status shows ❔ for metrics
        self.prometheus.exporter_url = self.exporter.url
        self.prometheus.alertmanager_url = self.alertmanager.url if self.alertmanager else ""
        try:
            url = self.prometheus.start()
        except PrometheusMissing as exc:
            print(f"sandbox: {exc}; running without metrics (status shows ❔ for them)", file=sys.stderr)
            self.prometheus = None
            return f"http://127.0.0.1:{free_port()}"
        self._started.append(self.prometheus)
        return url

    def stop(self) -> None:
        while self._started:
            part = self._started.pop()
            try:
                part.stop()
            except Exception:  # stop the rest regardless
                log.exception("could not stop a sandbox part")
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def config(self, db: Path | str | None = None, port: int | None = None) -> dict:
        """A bot config pointing at every part of this sandbox."""
        return {
            "slack": {
                "bot_token": BOT_TOKEN,
                "app_token": APP_TOKEN,
                "signing_secret": SIGNING_SECRET,
                "api_url": self.slack.api_url,
                "platform_channel": "C0PLATFORM",
                "incident_channel": "C0INCIDENT",
                "alerts_channel": "C0ALERTS",
            },
            "server": {"host": "127.0.0.1", "port": port or free_port(), "health_port": 0},
            "state": {"db": str(db or self.workdir / "llmbot.db")},
            "kubernetes": {"kubeconfig": str(self.kubeconfig), "timeout_seconds": 2.0},
            "prometheus": {"url": self.prometheus_url, "timeout_seconds": 2.0},
            "alertmanager": {"url": self.alertmanager_url, "webhook_token": ALERTMANAGER_WEBHOOK_TOKEN},
            "aws": {
                "region": aws.REGION,
                "endpoint_url": self.aws.url,
                "access_key_id": aws.ACCESS_KEY,
                "secret_access_key": aws.SECRET_KEY,
                "cluster_name": aws.CLUSTER,
                "timeout_seconds": 2.0,
                "endpoints": {"ce": self.cost_explorer.url},
                "cost_filter": {"Tags": {"Key": cost_data.PROJECT_TAG, "Values": [cost_data.PLATFORM]}},
            },
            "pagerduty": {
                "api_url": self.pagerduty.url,
                "api_token": "sandbox-pagerduty-token",
                "webhook_secrets": list(PAGERDUTY_WEBHOOK_SECRETS),
                "from_email": "llmbot@example.com",
                "ca_file": self.pagerduty.ca_file,
                "timeout_seconds": 2.0,
            },
            "oncall": {
                "escalation_policy_id": "PEPLLM1",
                "pagerduty_emails": {"U0OPS1": "ops1@example.com", "U0OPS2": "ops2@example.com"},
            },
            "rbac": {"default_role": None, "users": dict(USERS), "groups": {}},
            "maintenance": {
                "smoke": {"inference_url": self.inference.url, "rag_url": self.rag.url},
                "pagerduty_services": ["vLLM Inference", "RAG Service"],
            },
            "backups": {
                "qdrant_url": self.qdrant.url,
                "bucket": aws.BACKUP_BUCKET,
                "timeout_seconds": 10.0,
                "multipart_threshold_bytes": aws.SANDBOX_PART_BYTES,
                "part_size_bytes": aws.SANDBOX_PART_BYTES,
            },
            "indexing": {"rag_url": self.rag.url, "timeout_seconds": 10.0, "allowed_hosts": ["127.0.0.1"]},
            "updates": self.updates_config(),
        }

    def updates_config(self) -> dict:
        """Where the monthly model-update check looks: image tags, advisories, model revisions."""
        return {
            "registry_url": self.registry.url,
            "image_repository": VLLM,
            "osv_url": self.osv.url,
            "osv_package": "vllm",
            "huggingface_url": self.huggingface.url,
            "model": LLAMA,
            "model_revision": PINNED_REVISION,
            "timeout_seconds": 2.0,
        }

    def write_config(self, path: Path | str, db: Path | str | None = None, port: int | None = None) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# Written by `llmbot sandbox`: every URL points at the sandbox on loopback.\n"
            + yaml.safe_dump(self.config(db, port), sort_keys=False)
        )
        return path
