"""RAG service stand-in: idempotent document ingestion by id (`POST /v1/documents` with a bare JSON array,
as the manual sends documents.json, or {"documents": [...]}), a word-overlap query, and a fault that
fails the next ingestion batch so retry and resume logic can be tested."""

from __future__ import annotations

import threading
from typing import Any

from sandbox.httpstub import Request, Response, StubServer


def _words(text: str) -> set[str]:
    return {word.strip(".,:;!?()").lower() for word in text.split()} - {""}


def _problem(document: Any) -> str | None:
    if not isinstance(document, dict) or not document.get("id"):
        return "missing id"
    if not isinstance(document.get("text"), str) or not document["text"].strip():
        return "empty text"
    return None


class RagStub(StubServer):
    """The stand-in server; `documents()` and `reject_next_batch(status)` serve in-process tests."""

    def __init__(self) -> None:
        super().__init__("rag")
        self._lock = threading.Lock()
        self.reset()
        self.route(
            "GET", r"/health", lambda req: Response(body={"status": "ok", "documents": len(self._documents)})
        )
        self.route("POST", r"/v1/documents", self._ingest)
        self.route("POST", r"/v1/query", self._query)
        self.route("GET", r"/_sandbox/documents", self._count)
        self.route("POST", r"/_sandbox/reject_next_batch", self._set_reject)
        self.route("POST", r"/_sandbox/reset", self._reset)

    def reset(self) -> None:
        with self._lock:
            self._documents: dict[str, dict[str, Any]] = {}
            self._reject_status: int | None = None
            self.batches: list[dict[str, Any]] = []

    def documents(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return dict(self._documents)

    def reject_next_batch(self, status: int = 500) -> None:
        with self._lock:
            self._reject_status = status

    def _ingest(self, req: Request) -> Response:
        """The manual's bare JSON array (`curl -d @documents.json`) or {"documents": [...]}."""
        try:
            body = req.json()
        except ValueError:
            body = None
        documents = body.get("documents") if isinstance(body, dict) else body
        if not isinstance(documents, list):
            return Response(422, {"detail": 'body must be a JSON array of documents or {"documents": [...]}'})
        with self._lock:
            if self._reject_status:
                status, self._reject_status = self._reject_status, None
                self.batches.append({"size": len(documents), "status": status})
                return Response(status, {"detail": "rag sandbox: batch rejected by fault injection"})
            report = self._index(documents)
            self.batches.append({"size": len(documents), "status": 200})
        return Response(body=report)

    def _index(self, documents: list[Any]) -> dict[str, Any]:
        report: dict[str, Any] = {"accepted": 0, "duplicates": 0, "rejected": []}
        for document in documents:
            if problem := _problem(document):
                report["rejected"].append(
                    {"id": document.get("id") if isinstance(document, dict) else None, "error": problem}
                )
            elif document["id"] in self._documents:
                report["duplicates"] += 1
            else:
                self._documents[document["id"]] = {
                    "text": document["text"],
                    "metadata": document.get("metadata"),
                }
                report["accepted"] += 1
        return report

    def _query(self, req: Request) -> Response:
        spec = req.json() or {}
        if not str(spec.get("query", "")).strip():
            return Response(422, {"detail": "query must not be empty"})
        wanted = _words(spec["query"])
        with self._lock:
            scored = [
                (len(wanted & _words(doc["text"])) / len(wanted), doc_id, doc)
                for doc_id, doc in self._documents.items()
            ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        hits = [
            {"id": doc_id, "score": round(score, 3), "text": doc["text"][:200], "metadata": doc["metadata"]}
            for score, doc_id, doc in scored[: int(spec.get("top_k", 3))]
        ]
        return Response(body={"query": spec["query"], "hits": hits})

    def _count(self, req: Request) -> Response:
        with self._lock:
            return Response(body={"count": len(self._documents), "ids": sorted(self._documents)})

    def _reset(self, req: Request) -> Response:
        self.reset()
        return Response(body={"ok": True})

    def _set_reject(self, req: Request) -> Response:
        self.reject_next_batch(int((req.json() or {}).get("status", 500)))
        return Response(body={"ok": True})
