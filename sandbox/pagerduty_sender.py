"""Plays PagerDuty's side of V3 webhooks: builds event bodies in PagerDuty's exact shape (compact,
one line, keys in PagerDuty's order), signs them `v1=<hex HMAC-SHA256>` and POSTs them with the
headers PagerDuty sends. Used by tests, the demo and bench/webhook_storm.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timezone
from typing import Any

import requests

ACCOUNT = "https://llm-platform.pagerduty.com"
API = "https://api.pagerduty.com"
SUBSCRIPTION = "PSUBLLM1"
PRIORITY_IDS = {"P0": "PPRIO00", "P1": "PPRIO01", "P2": "PPRIO02", "P3": "PPRIO03"}
PEOPLE = {"PUSER01": "Olivia Ops", "PUSER02": "Oscar Ops", "PUSER03": "Mia Manager", "PUSER04": "Chris CTO"}


def sign(secret: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(secret_list: list[str], body: bytes, webhook_id: str | None = None) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "PagerDuty-Webhook/V3.0",
        "X-Webhook-Id": webhook_id or secrets.token_hex(16),
        "X-Webhook-Subscription": SUBSCRIPTION,
        "X-PagerDuty-Signature": ",".join(sign(s, body) for s in secret_list),
    }


def _ref(kind: str, path: str, entity_id: str, summary: str) -> dict[str, str]:
    return {
        "html_url": f"{ACCOUNT}/{path}/{entity_id}",
        "id": entity_id,
        "self": f"{API}/{path}/{entity_id}",
        "summary": summary,
        "type": f"{kind}_reference",
    }


def stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def incident_data(
    incident_id: str,
    number: int,
    title: str,
    status: str = "triggered",
    priority: str | None = "P1",
    urgency: str = "high",
    assignee: str = "PUSER01",
    created: datetime | None = None,
) -> dict[str, Any]:
    created = created or datetime.now(timezone.utc)
    return {
        "id": incident_id,
        "type": "incident",
        "self": f"{API}/incidents/{incident_id}",
        "html_url": f"{ACCOUNT}/incidents/{incident_id}",
        "number": number,
        "status": status,
        "incident_key": secrets.token_hex(16),
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": title,
        "service": _ref("service", "services", "PSVCLLM", "LLM Inference"),
        "assignees": [_ref("user", "users", assignee, PEOPLE.get(assignee, assignee))],
        "escalation_policy": _ref("escalation_policy", "escalation_policies", "PEPLLM1", "LLM Platform"),
        "teams": [],
        "priority": None
        if priority is None
        else {
            "html_url": f"{ACCOUNT}/account/incident_priorities",
            "id": PRIORITY_IDS.get(priority, "PPRIOXX"),
            "self": f"{API}/priorities/{PRIORITY_IDS.get(priority, 'PPRIOXX')}",
            "summary": priority,
            "type": "priority_reference",
        },
        "urgency": urgency,
        "conference_bridge": None,
        "resolve_reason": None,
        "incident_type": {"name": "incident_default"},
    }


def note_data(incident_id: str, title: str, note_id: str, content: str) -> dict[str, Any]:
    return {
        "incident": {
            "html_url": f"{ACCOUNT}/incidents/{incident_id}",
            "id": incident_id,
            "self": f"{API}/incidents/{incident_id}",
            "summary": title,
            "type": "incident_reference",
        },
        "id": note_id,
        "content": content,
        "trimmed": False,
        "type": "incident_note",
    }


def event(
    event_type: str,
    data: dict[str, Any],
    at: datetime | None = None,
    agent: str | None = "PUSER01",
    event_id: str | None = None,
) -> bytes:
    """One delivery body, byte-shaped like PagerDuty's (compact JSON, no trailing newline)."""
    at = at or datetime.now(timezone.utc)
    document = {
        "event": {
            "id": event_id or secrets.token_hex(13).upper(),
            "event_type": event_type,
            "resource_type": event_type.split(".")[0],
            "occurred_at": stamp(at),
            "agent": None if agent is None else _ref("user", "users", agent, PEOPLE.get(agent, agent)),
            "client": None,
            "data": data,
        }
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


class PagerDutySender:
    def __init__(self, bot_url: str, secret_list: list[str], session: requests.Session | None = None):
        self.url = bot_url.rstrip("/") + "/pagerduty/webhook"
        self.secrets = secret_list
        self._session = session or requests.Session()

    def send(
        self, body: bytes, webhook_id: str | None = None, signature: str | None = None
    ) -> requests.Response:
        sent = headers(self.secrets, body, webhook_id)
        if signature is not None:
            sent["X-PagerDuty-Signature"] = signature
        return self._session.post(self.url, data=body, headers=sent, timeout=10)
