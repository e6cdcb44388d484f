"""Qdrant REST stand-in for snapshot backup and restore: collections (the manual's enterprise_knowledge,
and documents), snapshot create/list/download/delete, recover from a URL or an upload, and a fault that
cuts a download off mid-transfer."""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
import urllib.request
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable

from sandbox.httpstub import Request, Response, StubServer

PEER_ID = 5912873401
SNAPSHOT_BYTES = 300 * 1024
DOWNLOAD = re.compile(r"^/collections/[\w-]+/snapshots/(?P<snap>[\w.-]+\.snapshot)$")


def snapshot_bytes(collection: str, points: int, seq: int) -> bytes:
    """Deterministic snapshot content; recover reads `points` back from the header line."""
    header = f"QDRANT-SANDBOX-SNAPSHOT {collection} {points} {seq}\n".encode()
    block, chunks, size = hashlib.sha256(header).digest(), [header], len(header)
    while size < SNAPSHOT_BYTES:
        block = hashlib.sha256(block).digest()
        chunks.append(block)
        size += len(block)
    return b"".join(chunks)[:SNAPSHOT_BYTES]


def ok(result: Any) -> Response:
    return Response(body={"result": result, "status": "ok", "time": 0.01})


def failure(status: int, message: str) -> Response:
    return Response(status, {"status": {"error": message}, "time": 0.0})


class QdrantStub(StubServer):
    """The stand-in server; `collection(name)`, `snapshots(name)`, `fail_download_after(n)` serve tests."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        super().__init__("qdrant")
        self._now = now
        self._lock = threading.RLock()
        self._collections: dict[str, dict[str, Any]] = {
            "enterprise_knowledge": {"points_count": 48_213, "size": 768},
            "documents": {"points_count": 48_213, "size": 768},
        }
        self._snapshots: dict[str, dict[str, dict[str, Any]]] = {}
        self._cut_after: int | None = None
        self._seq = 0
        self._calls: list[dict[str, Any]] = []
        snap = r"/collections/(?P<name>[\w-]+)/snapshots"
        for method, pattern, handler in [
            (
                "GET",
                r"/healthz",
                lambda req: Response(body="healthz check passed", content_type="text/plain"),
            ),
            ("GET", r"/collections", self._list),
            ("GET", r"/collections/(?P<name>[\w-]+)", self._get),
            ("POST", snap, self._create),
            ("GET", snap, self._list_snapshots),
            ("POST", snap + r"/upload", self._upload),
            ("GET", snap + r"/(?P<snap>[\w.-]+\.snapshot)", self._download),
            ("DELETE", snap + r"/(?P<snap>[\w.-]+\.snapshot)", self._delete),
        ]:
            self.route(method, pattern, self._recorded(handler))
        # recover fetches its location over HTTP, maybe from this very server, so it must not hold the lock
        self.route("PUT", snap + r"/recover", self._recorded(self._recover, locked=False))
        self.route("POST", r"/_sandbox/fail_download_after", self._set_cut)
        self.route("GET", r"/_sandbox/calls", lambda req: Response(body={"calls": self.calls()}))

    # ---- Python API ---------------------------------------------------------------------------
    def collection(self, name: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._collections[name])

    def snapshots(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [self._public(s) for s in self._snapshots.get(name, {}).values()]

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(call) for call in self._calls]

    def fail_download_after(self, byte_count: int) -> None:
        with self._lock:
            self._cut_after = byte_count

    def set_points(self, name: str, points: int) -> None:
        """Simulate data loss or growth so a restore has something to prove."""
        with self._lock:
            self._collections[name]["points_count"] = points

    # ---- handlers -----------------------------------------------------------------------------
    def _recorded(
        self, handler: Callable[[Request], Response], locked: bool = True
    ) -> Callable[[Request], Response]:
        def serve(req: Request) -> Response:
            with self._lock if locked else contextlib.nullcontext():
                response = handler(req)
            with self._lock:
                self._calls.append({"method": req.method, "path": req.path, "status": response.status})
            return response

        return serve

    def _list(self, req: Request) -> Response:
        return ok({"collections": [{"name": name} for name in self._collections]})

    def _get(self, req: Request) -> Response:
        found = self._collections.get(req.params["name"])
        if found is None:
            return failure(404, f"Not found: Collection `{req.params['name']}` doesn't exist!")
        config = {"params": {"vectors": {"size": found["size"], "distance": "Cosine"}, "shard_number": 1}}
        return ok(
            {
                "status": "green",
                "optimizer_status": "ok",
                "points_count": found["points_count"],
                "indexed_vectors_count": found["points_count"],
                "segments_count": 4,
                "config": config,
            }
        )

    def _create(self, req: Request) -> Response:
        name = req.params["name"]
        if name not in self._collections:
            return failure(404, f"Not found: Collection `{name}` doesn't exist!")
        self._seq += 1
        stamp = self._now()
        content = snapshot_bytes(name, self._collections[name]["points_count"], self._seq)
        snap = {
            "name": f"{name}-{PEER_ID + self._seq}-{stamp:%Y-%m-%d-%H-%M-%S}.snapshot",
            "creation_time": f"{stamp:%Y-%m-%dT%H:%M:%S}",
            "size": len(content),
            "checksum": hashlib.sha256(content).hexdigest(),
            "content": content,
        }
        self._snapshots.setdefault(name, {})[snap["name"]] = snap
        return ok(self._public(snap))

    @staticmethod
    def _public(snap: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in snap.items() if k != "content"}

    def _list_snapshots(self, req: Request) -> Response:
        return ok(self.snapshots(req.params["name"]))

    def _download(self, req: Request) -> Response:
        snap = self._snapshots.get(req.params["name"], {}).get(req.params["snap"])
        if snap is None:
            return failure(404, f"Not found: Snapshot {req.params['snap']} not found")
        return Response(body=snap["content"], content_type="application/octet-stream")

    def _delete(self, req: Request) -> Response:
        if req.params["name"] not in self._collections:
            return failure(404, f"Not found: Collection `{req.params['name']}` doesn't exist!")
        if self._snapshots.get(req.params["name"], {}).pop(req.params["snap"], None) is None:
            return failure(404, f"Not found: Snapshot {req.params['snap']} not found")
        return ok(True)

    def _recover(self, req: Request) -> Response:
        spec = req.json() or {}
        try:
            with urllib.request.urlopen(spec["location"], timeout=30) as remote:
                content = remote.read()
        except (KeyError, OSError, ValueError) as error:
            return failure(400, f"Bad request: could not fetch snapshot: {error}")
        with self._lock:
            return self._restore(req.params["name"], content, spec.get("checksum"))

    def _upload(self, req: Request) -> Response:
        head = f"Content-Type: {req.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = BytesParser(policy=policy.HTTP).parsebytes(head + req.body)
        parts = message.get_payload() if message.is_multipart() else []
        files = [p for p in parts if p.get_param("name", header="content-disposition") == "snapshot"]
        if not files:
            return failure(400, "Bad request: multipart field `snapshot` is required")
        return self._restore(req.params["name"], files[0].get_payload(decode=True), req.arg("checksum"))

    def _restore(self, name: str, content: bytes, checksum: str | None) -> Response:
        if checksum and hashlib.sha256(content).hexdigest() != checksum:
            return failure(400, "Wrong input: Snapshot checksum mismatch")
        header = content.split(b"\n", 1)[0].decode(errors="replace").split()
        if len(content) != SNAPSHOT_BYTES or len(header) != 4 or header[0] != "QDRANT-SANDBOX-SNAPSHOT":
            return failure(400, "Wrong input: Snapshot is corrupted or incomplete")
        if snapshot_bytes(header[1], int(header[2]), int(header[3])) != content:
            return failure(400, "Wrong input: Snapshot is corrupted or incomplete")
        self._collections[name] = {"points_count": int(header[2]), "size": 768}
        return ok(True)

    def _set_cut(self, req: Request) -> Response:
        self.fail_download_after(int((req.json() or {})["bytes"]))
        return Response(body={"ok": True})

    # ---- the mid-transfer failure needs the raw socket, so it bypasses the route table --------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        match = DOWNLOAD.match(h.path.split("?")[0])
        with self._lock:
            cut, self._cut_after = (
                (self._cut_after, None) if match and h.command == "GET" else (None, self._cut_after)
            )
        if cut is None:
            return super()._handle(h)
        response = self._dispatch(Request("GET", h.path.split("?")[0], {}, dict(h.headers.items()), b""))
        payload = response.encode()
        h.send_response(response.status)
        h.send_header("Content-Type", response.content_type)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload[:cut])
        h.wfile.flush()
        time.sleep(0.05)  # let the client read the partial body before the connection drops
        h.close_connection = True
