"""Qdrant's REST API for backup and restore: collection size, snapshot create, list, download (streamed)
and delete, and restore by uploading a snapshot. Errors come out as NotFound / Unavailable with system
"qdrant"."""

from __future__ import annotations

from typing import IO, Iterator
from urllib.parse import quote

import requests
from pydantic import BaseModel

from integrations.errors import Unavailable
from integrations.http import call

SYSTEM = "qdrant"
CHUNK = 256 * 1024


class SnapshotInfo(BaseModel):
    name: str
    size: int
    checksum: str | None = None  # sha256, hex


class QdrantClient:
    def __init__(self, url: str, timeout_seconds: float = 30.0):
        self._base, self._timeout = url.rstrip("/"), timeout_seconds
        self._session = requests.Session()

    def points(self, collection: str) -> int:
        body = self._get(f"/collections/{quote(collection, safe='')}").json()["result"]
        return int(body.get("points_count") or 0)

    def create_snapshot(self, collection: str) -> SnapshotInfo:
        body = call(
            SYSTEM,
            self._session,
            "POST",
            f"{self._base}/collections/{quote(collection, safe='')}/snapshots",
            self._timeout,
            params={"wait": "true"},
        ).json()
        return SnapshotInfo.model_validate(body["result"])

    def snapshots(self, collection: str) -> list[SnapshotInfo]:
        """The snapshots Qdrant keeps on its own disk for `collection`."""
        body = self._get(f"/collections/{quote(collection, safe='')}/snapshots").json()
        return [SnapshotInfo.model_validate(s) for s in body["result"]]

    def delete_snapshot(self, collection: str, snapshot: str) -> None:
        """Remove a snapshot from Qdrant's disk (once it is safe elsewhere); NotFound if it is not there."""
        call(
            SYSTEM,
            self._session,
            "DELETE",
            f"{self._base}{_snapshot_path(collection, snapshot)}",
            self._timeout,
            params={"wait": "true"},
        )

    def download(self, collection: str, snapshot: str) -> Iterator[bytes]:
        """The snapshot's bytes as they arrive; a connection that drops mid-body raises Unavailable."""
        path = _snapshot_path(collection, snapshot)
        response = call(SYSTEM, self._session, "GET", f"{self._base}{path}", self._timeout, stream=True)
        received = 0
        try:
            for chunk in response.iter_content(CHUNK):
                received += len(chunk)
                yield chunk
        except (requests.RequestException, OSError):
            raise Unavailable(SYSTEM, f"the snapshot download broke off after {received:,} bytes") from None
        finally:
            response.close()

    def upload(self, collection: str, snapshot: str, content: IO[bytes], checksum: str) -> None:
        """Recover `collection` from a snapshot file; Qdrant checks the sha256 before it replaces anything."""
        call(
            SYSTEM,
            self._session,
            "POST",
            f"{self._base}/collections/{quote(collection, safe='')}/snapshots/upload",
            self._timeout,
            params={"priority": "snapshot", "checksum": checksum, "wait": "true"},
            files={"snapshot": (snapshot, content, "application/octet-stream")},
        )

    def _get(self, path: str) -> requests.Response:
        return call(SYSTEM, self._session, "GET", f"{self._base}{path}", self._timeout)


def _snapshot_path(collection: str, snapshot: str) -> str:
    return f"/collections/{quote(collection, safe='')}/snapshots/{quote(snapshot, safe='')}"
