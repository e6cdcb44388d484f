"""Alertmanager webhook bodies (version 4) for the alerts engine's tests, shaped as Alertmanager sends
them: a group key, common labels, and alerts with fingerprint, status, startsAt/endsAt (year 1 while
firing), annotations and the generatorURL back to Prometheus."""

from __future__ import annotations

import json

TOKEN = "sandbox-alertmanager-webhook-token-0123"  # the sandbox's receiver token (sandbox.platform)
NOT_YET = "0001-01-01T00:00:00Z"
PROMETHEUS = "http://prometheus.example:9090"


def alert(
    name: str = "VLLMHighErrorRate",
    fingerprint: str = "f00d0000000000a1",
    status: str = "firing",
    severity: str = "critical",
    starts: str = "2025-03-01T10:00:00.123456789Z",
    ends: str = NOT_YET,
    summary: str = "vllm-llama-3-70b: 20% of requests failing",
    **labels: str,
) -> dict:
    found = {"alertname": name, "severity": severity, "namespace": "llm-inference"}
    found.setdefault("service", "vllm-llama-3-70b")
    found.update(labels)
    return {
        "status": status,
        "labels": found,
        "annotations": {
            "summary": summary,
            "description": "More than 5% of vLLM requests fail. Check the vLLM pods' logs.",
            "runbook_url": "https://runbooks.example.com/llm-platform/vllm-high-error-rate",
        },
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": f"{PROMETHEUS}/graph?g0.expr=rate%28vllm_request_errors_total%5B10s%5D%29&g0.tab=1",
        "fingerprint": fingerprint,
    }


def resolved(firing: dict, ends: str = "2025-03-01T10:05:00Z") -> dict:
    return {**firing, "status": "resolved", "endsAt": ends}


def notification(*alerts: dict, version: str = "4") -> dict:
    first = alerts[0]["labels"]
    group = {k: first[k] for k in ("alertname", "namespace", "service") if k in first}
    common = {k: v for k, v in first.items() if all(a["labels"].get(k) == v for a in alerts)}
    inner = ", ".join(f'{k}="{v}"' for k, v in group.items())
    return {
        "receiver": "llmbot",
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "alerts": list(alerts),
        "groupLabels": group,
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "version": version,
        "groupKey": "{}:{" + inner + "}",
        "truncatedAlerts": 0,
    }


def body(*alerts: dict, **fields) -> bytes:
    return json.dumps(notification(*alerts, **fields)).encode()


def headers(token: str = TOKEN) -> dict[str, str]:
    """Lower-cased, as the bot's HTTP layer hands them to a route."""
    return {"authorization": f"Bearer {token}", "content-type": "application/json"}
