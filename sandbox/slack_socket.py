"""Slack's side of Socket Mode on loopback: single-use WebSocket URLs, `hello`, envelopes that wait for
the app's ack, `disconnect` notices and abrupt drops. Written from Slack's protocol description; the
`websockets` server runs on its own event loop in a daemon thread, and callers use plain methods."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Coroutine
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

log = logging.getLogger(__name__)
APP_ID = "A0LLMBOT"
HOST = "applink-sandbox-1"
CLOSE_SECONDS = 1.0  # how long a close waits for the app's half of the closing handshake


class NotConnected(Exception):
    """No app holds a Socket Mode connection (Slack tells the user `dispatch_failed`)."""


class NotAcked(TimeoutError):
    """The app did not ack an envelope in time (Slack shows the user `operation_timeout`)."""

    def __init__(self, envelope_id: str, timeout: float):
        super().__init__(f"envelope {envelope_id} was not acked within {timeout} s")
        self.envelope_id = envelope_id


@dataclass
class Link:
    """One WebSocket connection, from hello to close."""

    id: int
    ticket: str
    connection: ServerConnection = field(repr=False)
    opened: float = field(default_factory=time.time)
    closed: float | None = None
    hello: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        keys = ("id", "ticket", "opened", "closed", "hello")
        return {key: getattr(self, key) for key in keys}


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    link: int
    sent: float = field(default_factory=time.monotonic)
    ack: dict[str, Any] | None = None
    ack_seconds: float | None = None
    acked: threading.Event = field(default_factory=threading.Event, repr=False)

    def view(self) -> dict[str, Any]:
        keys = ("envelope_id", "type", "payload", "link", "ack", "ack_seconds")
        return {**{key: getattr(self, key) for key in keys}, "acked": self.ack is not None}


class SocketModeServer:
    def __init__(self, app_id: str = APP_ID):
        self.app_id = app_id
        self._changed = threading.Condition()  # guards the state below; notified when a link opens or closes
        self._tickets: set[str] = set()
        self._refused: list[str] = []
        self._links: list[Link] = []
        self._envelopes: dict[str, Envelope] = {}
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: Server | None = None

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stub-slack-socket", daemon=True)
        self._thread.start()
        self._server = self._run(self._listen(), timeout=5)

    async def _listen(self) -> Server:
        return await serve(
            self._serve, "127.0.0.1", 0, process_request=self._admit, close_timeout=CLOSE_SECONDS
        )

    def stop(self) -> None:
        if self._loop is None:
            return
        self._run(self._shut(), timeout=CLOSE_SECONDS + 5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._loop = None

    async def _shut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None, "socket server not started"
        return self._server.sockets[0].getsockname()[1]

    # ---- what apps.connections.open and the tests call ----------------------------------------
    def issue_url(self) -> str:
        """A fresh single-use WebSocket URL, as apps.connections.open returns."""
        ticket = secrets.token_hex(16)
        with self._changed:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def clients(self) -> int:
        with self._changed:
            return len(self._open())

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> int:
        """Block until at least `count` apps are connected; NotConnected after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._open()) >= count, timeout):
                raise NotConnected(
                    f"{len(self._open())} Socket Mode connections after {timeout} s, wanted {count}"
                )
            return len(self._open())

    def deliver(
        self, kind: str, payload: dict[str, Any], accepts_response_payload: bool, timeout: float = 3.0
    ) -> dict[str, Any]:
        """Send one envelope on the newest connection and wait for its ack; return the ack's payload."""
        with self._changed:
            if not (links := self._open()):
                raise NotConnected("no app is connected over Socket Mode")
            envelope = Envelope(str(uuid.uuid4()), kind, payload, links[-1].id)
            self._envelopes[envelope.envelope_id] = envelope
        message = {"envelope_id": envelope.envelope_id, "type": kind, "payload": payload}
        message["accepts_response_payload"] = accepts_response_payload
        if kind == "events_api":  # only Events API deliveries are retried, so only they say which try this is
            message.update(retry_attempt=0, retry_reason="")
        try:
            self._run(links[-1].connection.send(json.dumps(message)), timeout)
        except ConnectionClosed as closed:
            raise NotConnected(f"the connection closed while sending: {closed}") from closed
        if not envelope.acked.wait(timeout):
            raise NotAcked(envelope.envelope_id, timeout)
        return (envelope.ack or {}).get("payload") or {}

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell every connected app `disconnect` with `reason`, then close its connection."""
        notice = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}})
        with self._changed:
            connections = [link.connection for link in self._open()]
        self._run(self._announce(connections, notice), CLOSE_SECONDS + 2)

    async def _announce(self, connections: list[ServerConnection], notice: str) -> None:
        await asyncio.gather(*(self._say_and_close(connection, notice) for connection in connections))

    @staticmethod
    async def _say_and_close(connection: ServerConnection, notice: str) -> None:
        try:
            await connection.send(notice)
        except ConnectionClosed:
            return
        await connection.close()

    def drop(self, timeout: float = 2.0) -> None:
        """Reset every connection at the TCP level: no disconnect notice, no close frame."""
        with self._changed:
            links = self._open()
        self._run(self._abort([link.connection for link in links]), timeout)
        with self._changed:
            self._changed.wait_for(lambda: all(link.closed for link in links), timeout)

    @staticmethod
    async def _abort(connections: list[ServerConnection]) -> None:
        for connection in connections:
            sock = connection.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST
            connection.transport.abort()

    def links(self) -> list[dict[str, Any]]:
        with self._changed:
            return [link.view() for link in self._links]

    def envelopes(self) -> list[dict[str, Any]]:
        with self._changed:
            return [envelope.view() for envelope in self._envelopes.values()]

    def refused(self) -> list[str]:
        """Tickets whose connection attempt was refused (unknown or already used)."""
        with self._changed:
            return list(self._refused)

    def reset(self) -> None:
        """Forget history (closed links, envelopes, refusals); live connections stay."""
        with self._changed:
            self._links = self._open()
            self._envelopes.clear()
            self._refused.clear()

    # ---- the event loop's side ----------------------------------------------------------------
    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = _ticket(request.path)
        with self._changed:
            fresh = urlsplit(request.path).path == "/link/" and ticket in self._tickets
            self._tickets.discard(ticket)
            if not fresh:
                self._refused.append(ticket)
        if fresh:
            return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or already used ticket\n")

    async def _serve(self, connection: ServerConnection) -> None:
        link = self._open_link(connection)
        try:
            await connection.send(json.dumps(link.hello))
            async for message in connection:
                self._take_ack(message)
        except ConnectionClosed:
            pass  # an abrupt drop ends here; a clean close ends the loop
        finally:
            with self._changed:
                link.closed = time.time()
                self._changed.notify_all()

    def _open_link(self, connection: ServerConnection) -> Link:
        with self._changed:
            link = Link(next(self._ids), _ticket(connection.request.path), connection)
            self._links.append(link)
            link.hello = self._hello(len(self._open()))
            self._changed.notify_all()
        return link

    def _hello(self, connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": connections,
            "debug_info": {"host": HOST, "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }

    def _take_ack(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            log.warning("socket mode: ignoring a message that is not JSON: %.80r", message)
            return
        with self._changed:
            envelope_id = ack.get("envelope_id") if isinstance(ack, dict) else None
            envelope = self._envelopes.get(envelope_id) if isinstance(envelope_id, str) else None
            if envelope is None or envelope.ack is not None:
                log.warning("socket mode: ignoring a message that acks no pending envelope: %.200r", ack)
                return
            envelope.ack, envelope.ack_seconds = ack, time.monotonic() - envelope.sent
        envelope.acked.set()

    def _open(self) -> list[Link]:
        return [link for link in self._links if link.closed is None]

    def _run(self, work: Coroutine[Any, Any, Any], timeout: float) -> Any:
        assert self._loop is not None, "socket server not started"
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)


def _ticket(path: str) -> str:
    return (parse_qs(urlsplit(path).query).get("ticket") or [""])[0]
