"""The one record of clients and policy that every command receives; built once by the composition
root (bot/app.py), never looked up from a global."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from commands.canary_analysis import CanaryPolicy
from commands.platform import Platform, Queries

if TYPE_CHECKING:
    from commands.data_settings import BackupSettings, IndexingSettings
    from integrations.aws import AwsClient
    from integrations.eks import EksClient
    from integrations.kube import KubeClient
    from integrations.prometheus import PrometheusClient
    from integrations.qdrant import QdrantClient
    from integrations.rag import RagClient
    from integrations.s3 import S3Client


@dataclass
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
    calendar: Any = None  # bot.calendar.Calendar: maintenance windows and drains (rows in the state store)
    qdrant: QdrantClient | None = None  # snapshots for /llm backup and /llm restore
    rag: RagClient | None = None  # document ingestion for /llm index
    s3: S3Client | None = None  # the backup bucket and files to index
    backups: BackupSettings | None = None
    indexing: IndexingSettings | None = None
    index_ledger: Any = None  # bot.state.Store: index_batches / record_index_batch, so /llm index resumes
