"""`POST /pagerduty/webhook`: verify the V3 signature, store the event in the inbox (unique on
X-Webhook-Id) and answer 202 at once; the worker applies it later. A forged or unsigned body leaves
only a log line and a metric; a genuine event we cannot read is stored and still answered 2xx,
because PagerDuty drops 4xx deliveries and disables a subscription after three."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Callable

from prometheus_client import Counter

from commands.incident_events import INCIDENT_TYPES, Unreadable, envelope, incident_id

log = logging.getLogger(__name__)

Reply = tuple[int, list[tuple[str, str]], bytes]
JSON = [("Content-Type", "application/json")]


def signatures(header: str) -> list[bytes]:
    """The v1 signatures in an X-PagerDuty-Signature header, decoded; others and bad hex are skipped."""
    found = []
    for entry in header.split(","):
        scheme, _, value = entry.strip().partition("=")
        if scheme == "v1":
            try:
                found.append(bytes.fromhex(value.strip()))
            except ValueError:
                continue
    return found


def verify(secrets: list[str], header: str, body: bytes) -> bool:
    """True when any v1 signature is HMAC-SHA256(body) under any configured secret (rotation)."""
    expected = [hmac.new(s.encode(), body, hashlib.sha256).digest() for s in secrets]
    return any(hmac.compare_digest(given, want) for given in signatures(header) for want in expected)


def _reply(status: int, body: dict) -> Reply:
    return status, JSON, json.dumps(body).encode()


class WebhookIntake:
    def __init__(self, store, secrets: list[str], registry, clock, on_stored: Callable[[str], None]):
        self._store, self._secrets, self._clock, self._on_stored = store, secrets, clock, on_stored
        self._count = Counter(
            "llmbot_pagerduty_webhooks_total", "PagerDuty webhooks by outcome", ["outcome"], registry=registry
        )

    def __call__(self, headers: dict[str, str], body: bytes) -> Reply:
        header = headers.get("x-pagerduty-signature", "")
        if not self._secrets or not verify(self._secrets, header, body):
            outcome = "unsigned" if not header else "forged"
            log.warning(
                "PagerDuty webhook refused",
                extra={
                    "outcome": outcome,
                    "bytes": len(body),
                    "webhook_id": headers.get("x-webhook-id", "")[:64],
                },
            )
            self._count.labels(outcome).inc()
            return _reply(401, {"error": "invalid signature"})
        return self._accept(headers.get("x-webhook-id", ""), body)

    def _accept(self, webhook_id: str, body: bytes) -> Reply:
        try:
            event = envelope(body)
        except Unreadable:
            return self._store_unreadable(webhook_id, body)
        kind = event["event_type"]
        if kind == "pagey.ping":
            log.info("PagerDuty ping", extra={"webhook_id": webhook_id})
            self._count.labels("ping").inc()
            return _reply(200, {"status": "pong"})
        incident = incident_id(event)
        handled = kind in INCIDENT_TYPES and incident
        webhook_id = webhook_id or str(event.get("id", "")) or "sha256:" + hashlib.sha256(body).hexdigest()
        fresh = self._store.store_webhook(
            webhook_id, incident, kind, body, self._clock.time(), "pending" if handled else "ignored"
        )
        self._count.labels("accepted" if fresh and handled else "duplicate" if not fresh else "ignored").inc()
        if fresh and handled:
            self._on_stored(incident)
        return _reply(202, {"status": "accepted" if fresh else "duplicate"})

    def _store_unreadable(self, webhook_id: str, body: bytes) -> Reply:
        key = webhook_id or "sha256:" + hashlib.sha256(body).hexdigest()
        self._store.store_webhook(key, "", "unreadable", body, self._clock.time(), "unreadable")
        log.error(
            "signed PagerDuty webhook could not be read; stored for inspection", extra={"webhook_id": key}
        )
        self._count.labels("unreadable").inc()
        return _reply(202, {"status": "stored"})
