"""Slack over Socket Mode (`llmbot serve --socket-mode`, SLACK_APP_TOKEN): slack_bolt's own
SocketModeHandler on the same Bolt app, so slash commands and clicks go through the same router,
RBAC and approvals as over HTTP. It acks each envelope inside its 3 s and reconnects after a
`disconnect` envelope or a dropped socket; only `/slack/events` is replaced, the HTTP listener keeps
health, metrics and the webhooks. The first connection is retried until Slack answers."""

from __future__ import annotations

import logging
import threading

from prometheus_client import Gauge
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)

PING_SECONDS = 5  # a dropped socket is noticed (and replaced) within about this
RETRY_SECONDS = (1, 2, 5, 10, 30)


class SocketMode:
    def __init__(self, bolt: App, app_token: str, registry):
        self._handler = SocketModeHandler(bolt, app_token=app_token, ping_interval=PING_SECONDS)
        self._gauge = Gauge(
            "llmbot_socket_connected", "1 while the Socket Mode connection is up", registry=registry
        )
        self._gauge.set_function(lambda: float(self.connected()))
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._connect, name="socket-mode", daemon=True).start()

    def _connect(self) -> None:
        for attempt in range(10**9):
            if self._stop.is_set():
                return
            try:
                self._handler.connect()  # from here on the client reconnects by itself
                log.info("Socket Mode connected")
                return
            except Exception as exc:  # Slack down at start-up: keep serving the rest, try again
                log.warning("Socket Mode could not connect yet", extra={"error": type(exc).__name__})
                self._stop.wait(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])

    def connected(self) -> bool:
        try:
            return bool(self._handler.client.is_connected())
        except Exception:  # the client is between sockets
            return False

    def readiness(self) -> dict[str, str]:
        return {"slack_socket": "connected" if self.connected() else "connecting"}

    def stop(self) -> None:
        self._stop.set()
        try:
            self._handler.close()
        except Exception:  # already closed or never opened: nothing to release
            log.debug("Socket Mode closed", exc_info=True)
