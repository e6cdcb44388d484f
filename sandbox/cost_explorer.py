"""A Cost Explorer stand-in speaking the real awsJson1_1 protocol (`X-Amz-Target:
AWSInsightsIndexService.<Operation>`), answering GetCostAndUsage (optionally filtered, and grouped by
SERVICE or PURCHASE_TYPE) and GetCostForecast from sandbox.cost_data's seeded cells. moto cannot: it hands
one canned result to any query.

Test-only switches (POST, JSON bodies):
  /_sandbox/throttle  {"count": N}        the next N calls fail with ThrottlingException
  /_sandbox/deny      {"enabled": true}   every call fails with AccessDeniedException until disabled
  /_sandbox/fault     {"status": 503}     (httpstub) every call fails at the HTTP level
"""

from __future__ import annotations

import calendar
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sandbox.cost_data import DIMENSIONS, InvalidFilter, day_cells, day_costs, matches, validate
from sandbox.httpstub import HasStub, Request, Response, StubServer

JSON = "application/x-amz-json-1.1"
PREFIX = "AWSInsightsIndexService."
__all__ = ["CostExplorerStub", "day_costs"]


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
            if body.get("Filter") is not None:
                validate(body["Filter"])
            self.calls.append((operation, body))
            return Response(200, handler(body), content_type=JSON)
        except _Refusal as refusal:
            return Response(400, {"__type": refusal.kind, "message": refusal.message}, content_type=JSON)
        except InvalidFilter as invalid:
            return Response(
                400, {"__type": "ValidationException", "message": str(invalid)}, content_type=JSON
            )
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
        key = _group_key(body.get("GroupBy") or [])
        today = self._today()
        known = min(end, today + timedelta(days=1))  # no figures yet for days to come
        results = [
            self._result(a, b, metrics, key, body.get("Filter"), today)
            for a, b in _buckets(start, known, granularity)
        ]
        answer = {"ResultsByTime": results, "DimensionValueAttributes": []}
        if key:
            answer["GroupDefinitions"] = [{"Type": "DIMENSION", "Key": key}]
        return answer

    def _result(
        self,
        start: date,
        end: date,
        metrics: list[str],
        key: str | None,
        expression: dict | None,
        today: date,
    ) -> dict:
        costs = self._costs(start, end, key, expression, today)
        period = {"Start": start.isoformat(), "End": end.isoformat()}
        estimated = end > today
        if key:
            groups = [{"Keys": [k], "Metrics": _amounts(metrics, usd)} for k, usd in costs.items() if usd > 0]
            return {"TimePeriod": period, "Total": {}, "Groups": groups, "Estimated": estimated}
        total = _amounts(metrics, sum(costs.values()))
        return {"TimePeriod": period, "Total": total, "Groups": [], "Estimated": estimated}

    def _costs(
        self, start: date, end: date, key: str | None, expression: dict | None, today: date
    ) -> dict[str, float]:
        """USD per value of dimension `key` (one bucket when None) over [start, end), inside the filter;
        today counts its elapsed share only."""
        costs: dict[str, float] = {}
        for day in _days(start, end):
            share = self._elapsed() if day == today else 1.0
            for cell in day_cells(day):
                if expression is None or matches(expression, cell):
                    bucket = cell.dimension(key) if key else ""
                    costs[bucket] = costs.get(bucket, 0.0) + cell.usd * share
        return costs

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
        recent = self._costs(today - timedelta(days=14), today, None, body.get("Filter"), today)
        per_day = sum(recent.values()) / 14
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


def _group_key(group_by: list[dict]) -> str | None:
    if not group_by:
        return None
    if (
        len(group_by) != 1
        or group_by[0].get("Type") != "DIMENSION"
        or group_by[0].get("Key") not in DIMENSIONS
    ):
        raise _Refusal(
            "ValidationException", f"this stand-in groups by one DIMENSION of {', '.join(DIMENSIONS)}"
        )
    return group_by[0]["Key"]


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
