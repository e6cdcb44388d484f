"""Every client a command uses, built from Settings: the one place that constructs Kubernetes, Prometheus,
AWS, Qdrant, the RAG service, S3 and the update sources' clients (the Deps record)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.clock import SystemClock
from bot.config import Settings
from commands.deps import Deps
from integrations.aws import AwsClient
from integrations.eks import EksClient
from integrations.huggingface import HuggingFaceClient
from integrations.kube import KubeClient
from integrations.osv import OsvClient
from integrations.prometheus import PrometheusClient
from integrations.qdrant import QdrantClient
from integrations.rag import RagClient
from integrations.registry import RegistryClient
from integrations.s3 import S3Client


def close_clients(deps: Deps) -> None:
    """Stops the commands' thread pool and closes the clients that hold connections open."""
    deps.pool.shutdown(wait=True, cancel_futures=True)
    for client in (deps.kube, deps.prom):
        client.close()


def secret_value(value) -> str | None:
    """A SecretStr's text, or None; the only place a secret leaves its wrapper."""
    return value.get_secret_value() if value is not None else None


def build_deps(settings: Settings, clock=None, **ports) -> Deps:
    """The clients every command gets; also what `llmbot status` uses without Slack."""
    clock = clock or SystemClock()
    k, p, a = settings.kubernetes, settings.prometheus, settings.aws
    endpoint = str(a.endpoint_url) if a.endpoint_url else None
    key, secret = secret_value(a.access_key_id), secret_value(a.secret_access_key)
    return Deps(
        kube=KubeClient(str(k.kubeconfig) if k.kubeconfig else None, k.context, k.timeout_seconds),
        prom=PrometheusClient(str(p.url), p.timeout_seconds),
        aws=AwsClient(
            a.region,
            endpoint,
            key,
            secret,
            a.timeout_seconds,
            endpoints={service: str(url) for service, url in a.endpoints.items()},
        ),
        eks=EksClient(a.region, endpoint, key, secret, a.timeout_seconds),
        cluster=a.cluster_name,
        canary=settings.canary,
        platform=settings.platform,
        queries=settings.queries,
        pool=ThreadPoolExecutor(max_workers=16, thread_name_prefix="backend"),
        now=clock.now,
        qdrant=QdrantClient(str(settings.backups.qdrant_url), settings.backups.timeout_seconds),
        rag=RagClient(str(settings.indexing.rag_url), settings.indexing.timeout_seconds),
        s3=S3Client(
            a.region,
            str(a.endpoints.get("s3") or a.endpoint_url or "") or None,
            key,
            secret,
            max(a.timeout_seconds, 10.0),
        ),
        backups=settings.backups,
        indexing=settings.indexing,
        cost_filter=a.cost_filter,
        links=settings.links,
        **_update_clients(settings),
        **ports,
    )


def _update_clients(settings: Settings) -> dict:
    """The monthly model-update check's clients: image tags, OSV advisories, Hugging Face revisions."""
    u = settings.updates
    return {
        "registry": RegistryClient(str(u.registry_url), u.timeout_seconds),
        "osv": OsvClient(str(u.osv_url), u.timeout_seconds),
        "huggingface": HuggingFaceClient(str(u.huggingface_url), None, u.timeout_seconds),
        "updates": u,
    }
