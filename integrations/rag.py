"""The RAG service's ingestion API: `POST /v1/documents` with one batch; the service is idempotent by
document id, so sending a batch again never indexes a document twice."""

from __future__ import annotations

import requests
from pydantic import BaseModel

from integrations.http import call

SYSTEM = "rag"


class Rejection(BaseModel):
    id: str | None = None
    error: str


class BatchReport(BaseModel):
    accepted: int = 0
    duplicates: int = 0  # already indexed (an earlier run, or a retry): not indexed again
    rejected: list[Rejection] = []


class RagClient:
    def __init__(self, url: str, timeout_seconds: float = 30.0):
        self._base, self._timeout = url.rstrip("/"), timeout_seconds
        self._session = requests.Session()

    def add_documents(self, documents: list[dict]) -> BatchReport:
        response = call(
            SYSTEM,
            self._session,
            "POST",
            f"{self._base}/v1/documents",
            self._timeout,
            json={"documents": documents},
        )
        return BatchReport.model_validate(response.json())
