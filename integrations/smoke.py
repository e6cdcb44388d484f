"""The smoke test's HTTP checks against the inference and RAG endpoints from config: plain requests
with a timeout; a failure is a result to report (what failed and why), never an exception."""

from __future__ import annotations

import time

import requests
from pydantic import BaseModel


class Check(BaseModel):
    name: str
    ok: bool
    detail: str  # "200 in 42 ms" or why it failed


def inference(url: str, model: str, timeout: float) -> list[Check]:
    base = url.rstrip("/")
    return [
        _check("inference /health", "GET", f"{base}/health", None, timeout),
        _check(
            "inference completion",
            "POST",
            f"{base}/v1/completions",
            {"model": model, "prompt": "Say OK.", "max_tokens": 4},
            timeout,
            needs="choices",
        ),
    ]


def rag(url: str, timeout: float) -> list[Check]:
    base = url.rstrip("/")
    return [
        _check("RAG /health", "GET", f"{base}/health", None, timeout),
        _check(
            "RAG query",
            "POST",
            f"{base}/v1/query",
            {"query": "platform health", "top_k": 1},
            timeout,
            needs="hits",
        ),
    ]


def _check(
    name: str, method: str, url: str, body: dict | None, timeout: float, needs: str | None = None
) -> Check:
    started = time.monotonic()
    try:
        response = requests.request(method, url, json=body, timeout=timeout)
    except requests.Timeout:
        return Check(name=name, ok=False, detail=f"no answer within {timeout:g} s")
    except requests.RequestException as exc:
        return Check(name=name, ok=False, detail=f"cannot connect ({type(exc).__name__})")
    ms = int((time.monotonic() - started) * 1000)
    if response.status_code != 200:
        return Check(name=name, ok=False, detail=f"HTTP {response.status_code} in {ms} ms")
    if needs and needs not in _json(response):
        return Check(name=name, ok=False, detail=f"200 in {ms} ms but no `{needs}` in the answer")
    return Check(name=name, ok=True, detail=f"200 in {ms} ms")


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
