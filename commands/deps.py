"""The one record of clients and policy that every command receives; built once by the composition
root (bot/app.py), never looked up from a global."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from commands.canary_analysis import CanaryPolicy
from commands.platform import Links, Platform, Queries

if TYPE_CHECKING:
    from commands.data_settings import BackupSettings, IndexingSettings
    from commands.ports import Calendar, IncidentHistory, IndexLedger
    from commands.update_settings import UpdateSettings
    from integrations.aws import AwsClient
    from integrations.aws_models import CostFilter
    from integrations.eks import EksClient
    from integrations.huggingface import HuggingFaceClient
    from integrations.kube import KubeClient
    from integrations.osv import OsvClient
    from integrations.prometheus import PrometheusClient
    from integrations.qdrant import QdrantClient
    from integrations.rag import RagClient
    from integrations.registry import RegistryClient
    from integrations.s3 import S3Client


@dataclass(frozen=True)
class Deps:
    kube: KubeClient
    prom: PrometheusClient
    aws: AwsClient
    platform: Platform
    queries: Queries
    eks: EksClient
    cluster: str  # the EKS cluster whose node groups /llm nodes changes
    canary: CanaryPolicy
    pool: ThreadPoolExecutor  # shared by commands that fan out to several backends at once
    now: Callable[[], datetime]  # timezone-aware; injected so tests can move time
    on_backend_error: Callable[[str], None] = lambda system: None  # metrics hook, by integration
    calendar: Calendar | None = None  # maintenance windows and drains (the bot's state store)
    qdrant: QdrantClient | None = None  # snapshots for /llm backup and /llm restore
    rag: RagClient | None = None  # document ingestion for /llm index
    s3: S3Client | None = None  # the backup bucket and files to index
    backups: BackupSettings | None = None
    indexing: IndexingSettings | None = None
    index_ledger: IndexLedger | None = None  # the batches the RAG service took, so /llm index resumes
    cost_filter: CostFilter | None = None  # aws.cost_filter: the platform's share of the bill
    links: Links = field(default_factory=Links)  # pages the answers point at (config `links`)
    # the monthly model-update check (/llm updates): image tags, advisories, model revisions
    registry: RegistryClient | None = None
    osv: OsvClient | None = None
    huggingface: HuggingFaceClient | None = None
    updates: UpdateSettings | None = None
    incidents: IncidentHistory | None = None  # the on-call engine's incidents, for the weekly report
    documented: tuple[str, ...] = ()  # the severities the weekly report lists (oncall checklists)
