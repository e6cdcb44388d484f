"""The bot's only Prometheus client: PromQL instant and range queries and firing alerts, with every
transport or API failure translated into integrations.errors (system "prometheus").
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import requests
from prometheus_api_client import PrometheusConnect
from pydantic import BaseModel
from urllib3.util.retry import Retry

from integrations.errors import Forbidden, IntegrationError, Unavailable

SYSTEM = "prometheus"


class Sample(BaseModel):
    labels: dict[str, str]
    value: float


class Series(BaseModel):
    labels: dict[str, str]
    points: list[tuple[datetime, float]]


class Alert(BaseModel):
    name: str
    severity: str | None
    state: str
    summary: str
    active_since: datetime | None


class PrometheusClient:
    """Raises Unavailable (no answer in time, refused, 5xx), Forbidden (401/403) and, for a query
    Prometheus rejects (400/422), a plain IntegrationError carrying Prometheus' own error text."""

    def __init__(self, url: str, timeout_seconds: float = 2.0):
        self.url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._session = requests.Session()
        self._session.hooks["response"].append(_raise_for_status)
        # No retries: a retry with backoff would outlast the caller's deadline; read=False keeps
        # a read timeout a ReadTimeout instead of a generic "max retries exceeded".
        self._api = PrometheusConnect(
            self.url, session=self._session, retry=Retry(total=0, read=False), timeout=timeout_seconds
        )

    def scalar(self, query: str) -> float | None:
        """The first sample's value; None when nothing matched or the value is NaN."""
        result = self._call(self._api.custom_query, query)
        value = _scalar_value(result)
        return None if value is None or math.isnan(value) else value

    def vector(self, query: str) -> list[Sample]:
        result = self._call(self._api.custom_query, query)
        return [Sample(labels=item["metric"], value=float(item["value"][1])) for item in result]

    def range(self, query: str, start: datetime, end: datetime, step: str) -> list[Series]:
        result = self._call(self._api.custom_query_range, query, start_time=start, end_time=end, step=step)
        return [
            Series(labels=item["metric"], points=[(_time(ts), float(v)) for ts, v in item["values"]])
            for item in result
        ]

    def firing_alerts(self, severity: str | None = "critical") -> list[Alert]:
        """Alerts in state firing, of one severity or (severity=None) all."""
        response = self._call(self._session.get, f"{self.url}/api/v1/alerts", timeout=self.timeout_seconds)
        alerts = [_alert(raw) for raw in response.json()["data"]["alerts"]]
        return [a for a in alerts if a.state == "firing" and severity in (None, a.severity)]

    def close(self) -> None:
        self._session.close()

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except requests.Timeout:
            raise Unavailable(SYSTEM, f"did not answer within {self.timeout_seconds}s") from None
        except requests.ConnectionError:
            raise Unavailable(SYSTEM, "refused the connection") from None
        except requests.RequestException as error:
            raise Unavailable(SYSTEM, f"request failed ({type(error).__name__})") from None


def _raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """A session hook, so every call (the SDK's and ours) fails the same way before the SDK sees it."""
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        raise Forbidden(SYSTEM, f"refused our credentials (HTTP {status})")
    if status in (400, 422):
        raise IntegrationError(SYSTEM, f"query failed: {_error_text(response)}")
    raise Unavailable(SYSTEM, f"answered HTTP {status}: {_error_text(response)}")


def _error_text(response: requests.Response) -> str:
    try:
        return str(response.json()["error"])[:300]
    except (ValueError, KeyError, TypeError):
        return response.reason or "no error text"


def _scalar_value(result: Any) -> float | None:
    if not result:
        return None
    if isinstance(result[0], dict):  # a vector: take the first sample
        return float(result[0]["value"][1])
    return float(result[1])  # a PromQL scalar arrives as [timestamp, "value"]


def _time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc)


def _alert(raw: dict) -> Alert:
    labels, annotations = raw.get("labels", {}), raw.get("annotations", {})
    return Alert(
        name=labels.get("alertname", ""),
        severity=labels.get("severity"),
        state=raw.get("state", ""),
        summary=annotations.get("summary", ""),
        active_since=raw.get("activeAt"),
    )
