"""Cost Explorer queries behind `AwsClient`'s cost methods: daily totals, totals grouped by a dimension
(SERVICE, PURCHASE_TYPE) over days or months, and the forecast; each narrowed by an optional filter."""

from __future__ import annotations

from datetime import date

from integrations.aws_calls import call
from integrations.aws_models import CostFilter, DailyCost, Forecast

API = "Cost Explorer"
METRIC = "UnblendedCost"


def daily(ce, start: date, end: date, cost_filter: CostFilter | None) -> list[DailyCost]:
    """Unblended cost per day for [start, end)."""
    rows: list[dict] = []
    for page in _pages(ce, _query(start, end, "DAILY", cost_filter)):
        rows += page.get("ResultsByTime", [])
    return [_daily(item) for item in rows]


def grouped(
    ce, start: date, end: date, key: str, cost_filter: CostFilter | None, granularity: str = "DAILY"
) -> tuple[dict[str, float], bool]:
    """Unblended cost per value of the dimension `key` over [start, end), and whether any of it is
    still an estimate."""
    request = _query(start, end, granularity, cost_filter) | {"GroupBy": [{"Type": "DIMENSION", "Key": key}]}
    totals: dict[str, float] = {}
    estimated = False
    for page in _pages(ce, request):
        for item in page.get("ResultsByTime", []):
            estimated = estimated or bool(item.get("Estimated"))
            for group in item.get("Groups", []):
                amount = float(group["Metrics"][METRIC]["Amount"])
                totals[group["Keys"][0]] = totals.get(group["Keys"][0], 0.0) + amount
    return totals, estimated


def forecast(ce, start: date, end: date, cost_filter: CostFilter | None) -> Forecast:
    """Cost Explorer's forecast of unblended cost over [start, end), with an 80% interval."""
    request = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Metric": "UNBLENDED_COST",
        "Granularity": "MONTHLY",
        "PredictionIntervalLevel": 80,
    } | _filter(cost_filter)
    response = call(API, ce.get_cost_forecast, **request)
    rows = response.get("ForecastResultsByTime", [])
    low = sum(float(r["PredictionIntervalLowerBound"]) for r in rows if "PredictionIntervalLowerBound" in r)
    high = sum(float(r["PredictionIntervalUpperBound"]) for r in rows if "PredictionIntervalUpperBound" in r)
    return Forecast(
        start=start,
        end=end,
        usd=float(response["Total"]["Amount"]),
        low=low if rows else None,
        high=high if rows else None,
    )


def _query(start: date, end: date, granularity: str, cost_filter: CostFilter | None) -> dict:
    return {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": granularity,
        "Metrics": [METRIC],
    } | _filter(cost_filter)


def _filter(cost_filter: CostFilter | None) -> dict:
    return {"Filter": cost_filter.expression()} if cost_filter is not None else {}


def _pages(ce, request: dict, limit: int = 20) -> list[dict]:
    """GetCostAndUsage pages (NextPageToken); at most `limit`, so a runaway listing stays bounded."""
    found: list[dict] = []
    token: dict = {}
    for _ in range(limit):
        page = call(API, ce.get_cost_and_usage, **request, **token)
        found.append(page)
        if not page.get("NextPageToken"):
            break
        token = {"NextPageToken": page["NextPageToken"]}
    return found


def _daily(item: dict) -> DailyCost:
    amount = item.get("Total", {}).get(METRIC, {}).get("Amount", "0")
    return DailyCost(
        day=date.fromisoformat(item["TimePeriod"]["Start"]),
        usd=float(amount),
        estimated=bool(item.get("Estimated", False)),
    )
