"""Watches in the Kubernetes stand-in: `GET <list path>?watch=true` streams chunked JSON lines
`{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": ...}` as the API server does. Without a
resourceVersion (or "0") the stream starts with an ADDED for each existing object; from a version the
history has compacted away it answers one ERROR event holding a 410 `Expired` Status, then ends.
`allowWatchBookmarks=true` adds a BOOKMARK every `bookmark_seconds`; `timeoutSeconds` ends the stream.
"""

from __future__ import annotations

import json
import re
import select
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

from sandbox.httpstub import Request, StubServer
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import matches
from sandbox.kube_select import field_matches, truthy

DEFAULT_TIMEOUT = 1800  # the API server picks 30 to 60 minutes when the client does not say
IDLE_CHECK = 0.5  # seconds between checks that the client is still there


@dataclass(frozen=True)
class WatchSpec:
    resource: str
    kind: str
    api_version: str
    view: Callable[[dict], dict] = lambda obj: obj
    rename: Callable[[str], str] = str  # a field selector's name for the stored object's field


class KubeStub(StubServer):
    """The stand-in's HTTP server: the shared route table, plus streaming for `?watch=true`."""

    def __init__(self, cluster: Cluster, bookmark_seconds: float):
        super().__init__("kubernetes")
        self.cluster = cluster
        self.bookmark_seconds = bookmark_seconds
        self._watches: list[tuple[re.Pattern[str], WatchSpec]] = []

    def watch_route(self, pattern: str, spec: WatchSpec) -> None:
        self._watches.append((re.compile(f"^{pattern}$"), spec))

    def close_watches(self) -> None:
        with self.cluster.lock:
            self.cluster.history.close_watches()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        found = [(p.match(parts.path), spec) for p, spec in self._watches]
        match, spec = next(((m, s) for m, s in found if m), (None, None))
        if h.command != "GET" or not truthy(query.get("watch", [""])[0]) or not match:
            super()._handle(h)
            return
        if self.fault.status:  # the injected failure answers, as it does any request
            super()._handle(h)
            return
        time.sleep(self.fault.delay_seconds)
        self.seen.append(("WATCH", parts.path))  # the RBAC verb a watch needs
        req = Request("GET", parts.path, query, dict(h.headers.items()), b"", match.groupdict())
        self._stream(h, spec, req)

    def _stream(self, h: BaseHTTPRequestHandler, spec: WatchSpec, req: Request) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for event in watch(self.cluster, spec, req, self.bookmark_seconds, lambda: _connected(h)):
                data = json.dumps(event).encode() + b"\n"
                h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            h.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client went away mid-stream
            h.close_connection = True


@dataclass
class _Cursor:
    """Where one watch stands: the version it has sent up to, and when its next bookmark is due."""

    position: int
    epoch: int
    bookmark_every: float | None  # None: the client did not ask for bookmarks
    next_bookmark: float = 0.0


def watch(
    cluster: Cluster, spec: WatchSpec, req: Request, bookmark_seconds: float, connected: Callable[[], bool]
) -> Iterator[dict]:
    """The watch events for one request, until its timeout, a closed connection or closed watches."""
    deadline = time.monotonic() + float(req.arg("timeoutSeconds") or DEFAULT_TIMEOUT)
    every = bookmark_seconds if truthy(req.arg("allowWatchBookmarks")) else None
    wanted = _filter(spec, req)
    with cluster.lock:
        requested = req.arg("resourceVersion") or "0"
        batch = _start(cluster, spec, requested, wanted)
        from_now = not requested.isdigit() or requested == "0"
        cursor = _Cursor(cluster.version if from_now else int(requested), cluster.history.epoch, every)
    cursor.next_bookmark = time.monotonic() + bookmark_seconds
    while batch is not None:
        yield from batch
        if (batch and batch[-1]["type"] == "ERROR") or time.monotonic() >= deadline or not connected():
            return
        batch = _next_batch(cluster, spec, wanted, cursor, deadline)


def _next_batch(
    cluster: Cluster, spec: WatchSpec, wanted: Callable[[dict], bool], cursor: _Cursor, deadline: float
) -> list[dict] | None:
    """What happened since the cursor (after waiting a while for something); None once watches close."""
    with cluster.lock:
        if not cluster.history.since(cursor.position, spec.resource):
            due = cursor.next_bookmark if cursor.bookmark_every else deadline
            wake = min(deadline, due, time.monotonic() + IDLE_CHECK)
            cluster.history.changed.wait(max(0.0, wake - time.monotonic()))
        if cluster.history.epoch != cursor.epoch:
            return None
        if cluster.history.expired(cursor.position):  # fell behind the retained history
            return [_gone(cursor.position, cluster.history.compacted)]
        changes = cluster.history.since(cursor.position, spec.resource)
        batch = [{"type": c.type, "object": spec.view(c.obj)} for c in changes if wanted(c.obj)]
        cursor.position = cluster.version  # every change up to here has been considered
        if cursor.bookmark_every and time.monotonic() >= cursor.next_bookmark:
            cursor.next_bookmark = time.monotonic() + cursor.bookmark_every
            batch.append(_bookmark(spec, cursor.position))
        return batch


def _start(cluster: Cluster, spec: WatchSpec, requested: str, wanted: Callable[[dict], bool]) -> list[dict]:
    """What the stream opens with: an ERROR, nothing (from a version), or every object as ADDED."""
    if not requested.isdigit():
        return [_error(400, "BadRequest", f"invalid resource version: {requested}")]
    if requested != "0":
        expired = cluster.history.expired(int(requested))
        return [_gone(int(requested), cluster.history.compacted)] if expired else []
    found = [o for o in cluster.items(spec.resource) if wanted(o)]
    return [{"type": "ADDED", "object": spec.view(cluster.snapshot(o))} for o in found]


def _filter(spec: WatchSpec, req: Request) -> Callable[[dict], bool]:
    namespace, labels, fields = req.params.get("ns"), req.arg("labelSelector"), req.arg("fieldSelector")

    def wanted(obj: dict) -> bool:
        meta = obj["metadata"]
        return (
            (namespace is None or meta.get("namespace") == namespace)
            and matches(meta.get("labels") or {}, labels)
            and field_matches(obj, fields, spec.rename)
        )

    return wanted


def _bookmark(spec: WatchSpec, version: int) -> dict:
    meta = {"resourceVersion": str(version)}
    return {
        "type": "BOOKMARK",
        "object": {"kind": spec.kind, "apiVersion": spec.api_version, "metadata": meta},
    }


def _gone(requested: int, compacted: int) -> dict:
    return _error(410, "Expired", f"too old resource version: {requested} ({compacted})")


def _error(code: int, reason: str, message: str) -> dict:
    status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    return {"type": "ERROR", "object": {**status, "message": message, "reason": reason, "code": code}}


def _connected(h: BaseHTTPRequestHandler) -> bool:
    """False once the client has closed its end (a readable socket with nothing to read)."""
    try:
        readable, _, _ = select.select([h.connection], [], [], 0)
        return not readable or h.connection.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False
