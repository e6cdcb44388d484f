"""The kubelet's liveness and readiness probes on a port of their own (server.health_port): a small
threaded stdlib server, so a main listener busy with junk or a slow client never fails a probe."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Probe = Callable[[], tuple[int, bytes]]


class HealthServer:
    """GET /healthz and /readyz on a port of their own, for the kubelet's probes."""

    def __init__(self, host: str, port: int, probes: dict[str, Probe]):
        handler = type("ProbeHandler", (_ProbeHandler,), {"probes": probes})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, name="health", daemon=True)

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # shutdown() waits up to one interval

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _ProbeHandler(BaseHTTPRequestHandler):
    probes: dict[str, Probe] = {}
    timeout = 2  # a client that sends nothing is dropped, not waited for

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        probe = self.probes.get(self.path)
        status, body = probe() if probe else (404, b'{"error": "not found"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # probes every few seconds: not worth a log line
        pass
