"""The `backups` and `indexing` sections of the config: where Qdrant snapshots go in S3, how they are
copied and kept, when the daily backup runs; and how documents reach the RAG service."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, HttpUrl, field_validator

from commands.calendar_settings import _zone
from integrations.hosts import host_address, host_port

MIB = 1024 * 1024


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


class BackupSettings(_Section):
    qdrant_url: HttpUrl = HttpUrl("http://qdrant.llm-inference:6333")
    bucket: str = "llm-platform-backups"
    prefix: str = Field(
        "qdrant/", description="key prefix; backups are <prefix>qdrant-YYYYMMDD.snapshot (the date in `zone`)"
    )
    collection: str = Field(
        "enterprise_knowledge", description="what /llm backup qdrant and the daily backup copy (the manual's)"
    )
    multipart_threshold_bytes: int = Field(64 * MIB, ge=1, description="larger snapshots go up in parts")
    # S3 wants parts of at least 5 MiB (all but the last); the sandbox's moto accepts smaller ones
    part_size_bytes: int = Field(16 * MIB, ge=1024)
    retention_days: int = Field(30, ge=1, description="after a good backup, older ones go (never the newest)")
    daily: bool = Field(True, description="back up `collection` every day at `daily_at`")
    daily_at: str = Field("03:00", description="HH:MM in `zone`")
    zone: str = "America/Los_Angeles"
    timeout_seconds: float = Field(30.0, gt=0, le=600, description="per Qdrant call; snapshots take a while")

    _check_zone = field_validator("zone")(_zone)

    @field_validator("daily_at")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("expected HH:MM, e.g. 03:00")
        return value

    @property
    def rule(self) -> str:
        hour, minute = self.daily_at.split(":")
        return f"FREQ=DAILY;BYHOUR={int(hour)};BYMINUTE={int(minute)};BYSECOND=0"


class IndexingSettings(_Section):
    rag_url: HttpUrl = HttpUrl("http://rag-service.llm-inference:8080")
    batch_size: int = Field(1000, ge=1, le=10_000)
    batch_retries: int = Field(2, ge=0, le=10, description="a failed batch is sent again this many times")
    max_bytes: int = Field(50 * MIB, ge=1, description="largest file /llm index reads")
    timeout_seconds: float = Field(30.0, gt=0, le=300)
    first_errors: int = Field(10, ge=1, le=50, description="how many rejections the answer lists")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="`host` or `host:port` entries /llm index may fetch http(s) files from (exact names, "
        "IPv6 in brackets); a bare host means port 80 for http and 443 for https. A name must resolve "
        "to public addresses only: to fetch from a private, loopback or link-local address, list that IP "
        "itself. Empty: s3:// only. The bot runs inside the cluster: an open list would let anyone make "
        "it fetch internal addresses",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _host_or_host_port(cls, entries: list[str]) -> list[str]:
        return [_allowed_host(entry) for entry in entries]


def _allowed_host(entry: str) -> str:
    """An allowlist entry in its one spelling (lowercase); ValueError naming the accepted forms."""
    try:
        host, port = host_port(entry)
        address = host_address(host)
    except ValueError as exc:
        raise ValueError(
            f"`{entry}`: {exc}. Write `host` or `host:port`: a DNS name or an IP address (IPv6 in brackets), "
            "no scheme, path or wildcard; e.g. files.example.com, files.example.com:8443, 10.0.0.5:8080"
        ) from None
    if address is not None and (address.is_unspecified or address.is_multicast):
        raise ValueError(f"`{entry}` is not an address a file can be fetched from")
    return host if port is None else f"{host}:{port}"
