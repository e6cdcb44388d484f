"""Plays PagerDuty's side of V3 webhooks: builds event bodies in PagerDuty's exact shape (compact,
one line, keys in PagerDuty's order), signs them `v1=<hex HMAC-SHA256>` and POSTs them with the
headers PagerDuty sends. `send()` announces an incident the REST stand-in holds (see its `page()`),
so the webhook and later REST calls describe the same incident. Used by tests, the demo and bench/."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timezone
from typing import Any, Sequence

import requests

from sandbox.pagerduty_data import ACCOUNT, API, PEOPLE, POLICY_ID, POLICY_NAME, PRIORITY_IDS

SUBSCRIPTION = "PSUBLLM1"
NAMES = {pid: name for pid, name, *_ in PEOPLE}


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
        "service": _ref("service", "services", "PSVCLLM", "vLLM Inference"),
        "assignees": [_ref("user", "users", assignee, NAMES.get(assignee, assignee))],
        "escalation_policy": _ref("escalation_policy", "escalation_policies", POLICY_ID, POLICY_NAME),
        "teams": [],
        "priority": _priority(priority),
        "urgency": urgency,
        "conference_bridge": None,
        "resolve_reason": None,
        "incident_type": {"name": "incident_default"},
    }


def webhook_data(incident: dict[str, Any]) -> dict[str, Any]:
    """The `data` PagerDuty sends for a REST incident (`number`, `assignees`, references re-keyed)."""
    service, policy = incident["service"], incident["escalation_policy"]
    data = incident_data(
        incident["id"],
        incident["incident_number"],
        incident["title"],
        status=incident["status"],
        priority=(incident.get("priority") or {}).get("summary"),
        urgency=incident["urgency"],
    )
    data.update(
        incident_key=incident["incident_key"],
        created_at=incident["created_at"],
        service=_ref("service", "services", service["id"], service["summary"]),
        assignees=[
            _ref("user", "users", a["assignee"]["id"], a["assignee"]["summary"])
            for a in incident["assignments"]
        ],
        escalation_policy=_ref("escalation_policy", "escalation_policies", policy["id"], policy["summary"]),
    )
    return data


def _priority(name: str | None) -> dict[str, str] | None:
    if name is None:
        return None
    pid = PRIORITY_IDS.get(name, "PPRIOXX")
    return {
        "html_url": f"{ACCOUNT}/account/incident_priorities",
        "id": pid,
        "self": f"{API}/priorities/{pid}",
        "summary": name,
        "type": "priority_reference",
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
            "agent": None if agent is None else _ref("user", "users", agent, NAMES.get(agent, agent)),
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


def deliver(url: str, body: bytes, secret_list: Sequence[str], timeout: float = 10) -> requests.Response:
    """POST one signed delivery to `url` (the full webhook URL), as PagerDuty does."""
    return requests.post(url, data=body, headers=headers(list(secret_list), body), timeout=timeout)


def send(
    bot_url: str,
    event_type: str,
    incident: dict[str, Any],
    secret_list: Sequence[str],
    agent: str | None = None,
    at: datetime | None = None,
) -> requests.Response:
    """Announce a REST incident (e.g. from the stand-in's `page()`) to the bot at `bot_url` as a
    signed `event_type` webhook; `agent` None is automation, as for a trigger by an integration."""
    body = event(event_type, webhook_data(incident), at=at, agent=agent)
    return deliver(bot_url.rstrip("/") + "/pagerduty/webhook", body, secret_list)
