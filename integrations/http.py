"""One place that turns `requests` failures into our errors, for the small JSON-over-HTTP clients
(Qdrant, the RAG service, plain downloads). Every call has a timeout."""

from __future__ import annotations

from typing import Any

import requests

from integrations.errors import Forbidden, NotFound, Unavailable


def call(
    system: str, session: requests.Session, method: str, url: str, timeout: float, **kwargs: Any
) -> requests.Response:
    """The response for a 2xx answer; anything else raised as NotFound, Forbidden or Unavailable."""
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except requests.Timeout:
        raise Unavailable(system, f"no answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise Unavailable(system, f"could not be reached ({type(exc).__name__})") from None
    check(system, response)
    return response


def check(system: str, response: requests.Response) -> None:
    if response.ok:
        return
    detail = _detail(response)
    if response.status_code == 404:
        raise NotFound(system, detail or "not found")
    if response.status_code in (401, 403):
        raise Forbidden(system, f"refused our credentials (HTTP {response.status_code})")
    raise Unavailable(system, f"answered HTTP {response.status_code}" + (f": {detail}" if detail else ""))


def _detail(response: requests.Response) -> str:
    """A short, safe reason from a JSON error body (Qdrant: status.error; FastAPI: detail)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    status = body.get("status")
    reason = status.get("error") if isinstance(status, dict) else body.get("detail") or body.get("message")
    return str(reason)[:200] if reason else ""
