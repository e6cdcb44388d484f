"""A Cost Explorer stand-in speaking the real awsJson1_1 protocol (`X-Amz-Target:
AWSInsightsIndexService.<Operation>`), answering GetCostAndUsage (optionally grouped by SERVICE) and
GetCostForecast from seeded daily per-service costs. moto cannot: it hands one canned result to any query.

Test-only switches (POST, JSON bodies):
  /_sandbox/throttle  {"count": N}        the next N calls fail with ThrottlingException
  /_sandbox/deny      {"enabled": true}   every call fails with AccessDeniedException until disabled
  /_sandbox/fault     {"status": 503}     (httpstub) every call fails at the HTTP level
"""

from __future__ import annotations

import calendar
import random
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sandbox.httpstub import HasStub, Request, Response, StubServer

JSON = "application/x-amz-json-1.1"
PREFIX = "AWSInsightsIndexService."
DAILY_USD = 3450.0  # a day's total swings ±4% around this: $3,312–3,588
# Cost Explorer's SERVICE dimension values and each one's share of a day
SHARES = {
    "Amazon Elastic Compute Cloud - Compute": 0.55,
    "EC2 - Other": 0.12,
    "AWS Data Transfer": 0.08,
    "Amazon Simple Storage Service": 0.07,
    "Amazon CloudWatch": 0.05,
    "Elastic Load Balancing": 0.04,
    "Amazon Elastic Container Service for Kubernetes": 0.03,
    "Amazon Elastic Container Registry": 0.03,
    "AWS Key Management Service": 0.02,
    "Amazon Route 53": 0.01,
}


def day_costs(day: date) -> dict[str, float]:
    """One day's unblended cost per service: deterministic per day, so every query agrees."""
    rng = random.Random(day.toordinal())
    total = DAILY_USD * rng.uniform(0.96, 1.04)
    return {service: round(total * share * rng.uniform(0.98, 1.02), 2) for service, share in SHARES.items()}


class _Refusal(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


class CostExplorerStub(HasStub):
    """Today is `clock`'s UTC date: its figure is partial (the elapsed share) and Estimated."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self._throttle = 0
        self._deny = False
        self.calls: list[tuple[str, dict]] = []  # (operation, request body), for tests
        self.stub = StubServer("cost-explorer")
        self.stub.route("POST", r"/", self._serve)
        self.stub.route("POST", r"/_sandbox/throttle", self._set_throttle)
        self.stub.route("POST", r"/_sandbox/deny", self._set_deny)

    def _set_throttle(self, req: Request) -> Response:
        with self._lock:
            self._throttle = int((req.json() or {}).get("count", 1))
        return Response(body={"ok": True})

    def _set_deny(self, req: Request) -> Response:
        with self._lock:
            self._deny = bool((req.json() or {}).get("enabled", True))
        return Response(body={"ok": True})

    def _serve(self, req: Request) -> Response:
        operation = req.headers.get("X-Amz-Target", "").removeprefix(PREFIX)
        handler = {"GetCostAndUsage": self._cost_and_usage, "GetCostForecast": self._forecast}.get(operation)
        try:
            body = req.json() or {}
            self._gate()
            if handler is None:
                raise _Refusal("UnknownOperationException", f"Unknown operation {operation or '(none)'}")
            self.calls.append((operation, body))
            return Response(200, handler(body), content_type=JSON)
        except _Refusal as refusal:
            return Response(400, {"__type": refusal.kind, "message": refusal.message}, content_type=JSON)
        except ValueError:
            return Response(
                400,
                {"__type": "SerializationException", "message": "Malformed request body"},
                content_type=JSON,
            )

    def _gate(self) -> None:
        with self._lock:
            if self._deny:
                raise _Refusal(
                    "AccessDeniedException", "User is not authorized to perform: ce:GetCostAndUsage"
                )
            if self._throttle > 0:
                self._throttle -= 1
                raise _Refusal("ThrottlingException", "Rate exceeded")

    def _today(self) -> date:
        return datetime.fromtimestamp(self.clock(), tz=timezone.utc).date()

    def _cost_and_usage(self, body: dict) -> dict:
        start, end = _period(body)
        granularity = body.get("Granularity")
        if granularity not in ("DAILY", "MONTHLY"):
            raise _Refusal("ValidationException", "Granularity must be DAILY or MONTHLY")
        metrics = body.get("Metrics") or []
        if not metrics:
            raise _Refusal("ValidationException", "Metrics is required")
        grouped = _grouped_by_service(body.get("GroupBy") or [])
        today = self._today()
        known = min(end, today + timedelta(days=1))  # no figures yet for days to come
        results = [
            self._result(a, b, metrics, grouped, today) for a, b in _buckets(start, known, granularity)
        ]
        answer = {"ResultsByTime": results, "DimensionValueAttributes": []}
        if grouped:
            answer["GroupDefinitions"] = [{"Type": "DIMENSION", "Key": "SERVICE"}]
        return answer

    def _result(self, start: date, end: date, metrics: list[str], grouped: bool, today: date) -> dict:
        costs: dict[str, float] = {}
        for day in _days(start, end):
            share = self._elapsed() if day == today else 1.0
            for service, usd in day_costs(day).items():
                costs[service] = costs.get(service, 0.0) + usd * share
        period = {"Start": start.isoformat(), "End": end.isoformat()}
        estimated = end > today
        if grouped:
            groups = [{"Keys": [s], "Metrics": _amounts(metrics, usd)} for s, usd in costs.items() if usd > 0]
            return {"TimePeriod": period, "Total": {}, "Groups": groups, "Estimated": estimated}
        return {
            "TimePeriod": period,
            "Total": _amounts(metrics, sum(costs.values())),
            "Groups": [],
            "Estimated": estimated,
        }

    def _elapsed(self) -> float:
        now = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
        return (now.hour * 3600 + now.minute * 60 + now.second) / 86400

    def _forecast(self, body: dict) -> dict:
        start, end = _period(body)
        today = self._today()
        if start < today:
            raise _Refusal(
                "ValidationException", "Start date must be equal to or later than the current date"
            )
        if body.get("Metric") not in (
            "UNBLENDED_COST",
            "BLENDED_COST",
            "AMORTIZED_COST",
            "NET_UNBLENDED_COST",
        ):
            raise _Refusal(
                "ValidationException", "Metric must be one of the cost metrics, e.g. UNBLENDED_COST"
            )
        recent = [sum(day_costs(today - timedelta(days=i)).values()) for i in range(1, 15)]
        per_day = sum(recent) / len(recent)
        spread = 0.05 if body.get("PredictionIntervalLevel") else 0.0
        rows = [
            {
                "TimePeriod": {"Start": a.isoformat(), "End": b.isoformat()},
                "MeanValue": f"{per_day * (b - a).days:.10f}",
                **(
                    {
                        "PredictionIntervalLowerBound": f"{per_day * (b - a).days * (1 - spread):.10f}",
                        "PredictionIntervalUpperBound": f"{per_day * (b - a).days * (1 + spread):.10f}",
                    }
                    if spread
                    else {}
                ),
            }
            for a, b in _buckets(start, end, body.get("Granularity", "MONTHLY"))
        ]
        return {
            "Total": {"Amount": f"{per_day * (end - start).days:.10f}", "Unit": "USD"},
            "ForecastResultsByTime": rows,
        }


def _period(body: dict) -> tuple[date, date]:
    period = body.get("TimePeriod") or {}
    try:
        start, end = date.fromisoformat(period["Start"]), date.fromisoformat(period["End"])
    except (KeyError, TypeError, ValueError):
        raise _Refusal("ValidationException", "TimePeriod needs Start and End as yyyy-MM-dd") from None
    if start >= end:
        raise _Refusal("ValidationException", "Start date (and hour) should be before end date (and hour)")
    return start, end


def _grouped_by_service(group_by: list[dict]) -> bool:
    if not group_by:
        return False
    if group_by != [{"Type": "DIMENSION", "Key": "SERVICE"}]:
        raise _Refusal("ValidationException", "this stand-in groups by DIMENSION SERVICE only")
    return True


def _buckets(start: date, end: date, granularity: str) -> list[tuple[date, date]]:
    if granularity == "DAILY":
        return [(day, day + timedelta(days=1)) for day in _days(start, end)]
    buckets, cursor = [], start
    while cursor < end:
        month_end = date(
            cursor.year, cursor.month, calendar.monthrange(cursor.year, cursor.month)[1]
        ) + timedelta(1)
        buckets.append((cursor, min(month_end, end)))
        cursor = min(month_end, end)
    return buckets


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _amounts(metrics: list[str], usd: float) -> dict:
    return {metric: {"Amount": f"{usd:.10f}", "Unit": "USD"} for metric in metrics}
