"""`POST /pagerduty/webhook`: verify the V3 signature over the raw bytes, store the event in the inbox
(unique on X-Webhook-Id) together with the job that applies it, in one transaction, and only then
answer 202. A forged or unsigned body leaves a log line and a metric; a genuine event we cannot read
is stored and still answered 2xx, because PagerDuty drops 4xx deliveries and disables a subscription
after three."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from prometheus_client import Counter

from bot import crash
from bot.oncall.inbox import EVENT_JOB
from bot.state import Effects, NewJob, Store, pd_inbox
from integrations.pagerduty_events import INCIDENT_TYPES, Unreadable, envelope, incident_id

log = logging.getLogger(__name__)

Reply = tuple[int, list[tuple[str, str]], bytes]
JSON = [("Content-Type", "application/json")]
OUTCOMES = ("accepted", "duplicate", "ignored", "ping", "unreadable", "forged", "unsigned")


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
    def __init__(self, store: Store, secrets: list[str], registry, clock):
        self._store, self._secrets, self._clock = store, secrets, clock
        self._count = Counter(
            "llmbot_pagerduty_webhooks_total", "PagerDuty webhooks by outcome", ["outcome"], registry=registry
        )
        for outcome in OUTCOMES:  # at 0 from the start, so the first rejection shows in rate()
            self._count.labels(outcome)

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
        return self._accept(headers.get("x-webhook-id", "")[:128], body)

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
        if kind.startswith("incident.") and not incident:  # about an incident, but names none we can read
            return self._store_unreadable(webhook_id, body)
        handled = bool(kind in INCIDENT_TYPES and incident)
        key = webhook_id or _event_id(event) or "sha256:" + hashlib.sha256(body).hexdigest()
        row = pd_inbox.store(
            key, incident, kind, body, self._clock.time(), "pending" if handled else "ignored"
        )
        job = NewJob(EVENT_JOB, {"incident_id": incident}) if handled else None
        fresh = self._store.commit(Effects.of(row, job), self._clock.time()) is not None
        crash.point("intake.after_store")
        self._count.labels("accepted" if fresh and handled else "duplicate" if not fresh else "ignored").inc()
        return _reply(202, {"status": "accepted" if fresh else "duplicate"})

    def _store_unreadable(self, webhook_id: str, body: bytes) -> Reply:
        key = webhook_id or "sha256:" + hashlib.sha256(body).hexdigest()
        self._store.commit(
            Effects.of(pd_inbox.store(key, "", "unreadable", body, self._clock.time(), "unreadable")),
            self._clock.time(),
        )
        log.error(
            "signed PagerDuty webhook could not be read; stored for inspection", extra={"webhook_id": key}
        )
        self._count.labels("unreadable").inc()
        return _reply(202, {"status": "stored"})


def _event_id(event: dict) -> str:
    value = event.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= 128 else ""
