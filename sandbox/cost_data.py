"""The sandbox account's costs, cell by cell: each day's spend per service (`day_costs`) split by the
Project tag (most of it is the LLM platform's, the rest untagged) and by purchase type (instances: on
demand, a savings plan and some spot), so Cost Explorer's filters and groupings have something to cut.
Each day is seeded by its date, so every query agrees with every other."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

DAILY_USD = 3450.0  # a day's total swings ±4% around this: $3,312–3,588
EC2_COMPUTE = "Amazon Elastic Compute Cloud - Compute"
ON_DEMAND, SPOT, SAVINGS_PLANS = "On Demand Instances", "Spot Instances", "Savings Plans"
PROJECT_TAG, PLATFORM = "Project", "llm-platform"
# Cost Explorer's SERVICE dimension values: each one's share of a day, and the platform-tagged part of it
SHARES = {
    EC2_COMPUTE: (0.55, 0.99),
    "EC2 - Other": (0.12, 0.95),
    "AWS Data Transfer": (0.08, 0.90),
    "Amazon Simple Storage Service": (0.07, 0.95),
    "Amazon CloudWatch": (0.05, 0.90),
    "Elastic Load Balancing": (0.04, 0.95),
    "Amazon Elastic Container Service for Kubernetes": (0.03, 1.0),
    "Amazon Elastic Container Registry": (0.03, 1.0),
    "AWS Key Management Service": (0.02, 0.50),
    "Amazon Route 53": (0.01, 0.50),
}
# GPU nodes run on demand (a savings plan covers part); the CPU pool for rag-service runs on spot
PURCHASE = {EC2_COMPUTE: {ON_DEMAND: 0.68, SAVINGS_PLANS: 0.20, SPOT: 0.12}}
DIMENSIONS = ("SERVICE", "PURCHASE_TYPE")


class InvalidFilter(ValueError):
    """A filter Cost Explorer (or this stand-in) would refuse with ValidationException."""


@dataclass(frozen=True)
class Cell:
    service: str
    purchase_type: str
    tags: tuple[tuple[str, str], ...]
    usd: float

    def dimension(self, key: str) -> str:
        return self.service if key == "SERVICE" else self.purchase_type


def day_costs(day: date) -> dict[str, float]:
    """One day's unblended cost per service for the whole account."""
    rng = random.Random(day.toordinal())
    total = DAILY_USD * rng.uniform(0.96, 1.04)
    return {
        service: round(total * share * rng.uniform(0.98, 1.02), 2) for service, (share, _) in SHARES.items()
    }


def day_cells(day: date) -> list[Cell]:
    """`day_costs` cut by Project tag and purchase type; the cells of a service add up to its cost."""
    cells = []
    for service, usd in day_costs(day).items():
        platform = SHARES[service][1]
        for tags, tagged in ((((PROJECT_TAG, PLATFORM),), platform), ((), 1 - platform)):
            for purchase_type, share in PURCHASE.get(service, {ON_DEMAND: 1.0}).items():
                if tagged * share > 0:
                    cells.append(Cell(service, purchase_type, tags, usd * tagged * share))
    return cells


def validate(expression: dict) -> None:
    """Refuse a malformed filter even for a period with no cells to match."""
    matches(expression, Cell("", "", (), 0.0))


def matches(expression: dict, cell: Cell) -> bool:
    """Whether `cell` is inside a Cost Explorer Expression (And, Or, Not, Dimensions, Tags)."""
    if not isinstance(expression, dict) or len(expression) != 1:
        raise InvalidFilter(
            "Expression must have exactly one of And, Or, Not, Dimensions, Tags, CostCategories"
        )
    [(kind, value)] = expression.items()
    if kind in ("And", "Or"):
        if not isinstance(value, list) or len(value) < 2:
            raise InvalidFilter(f"{kind} needs at least two expressions")
        results = [matches(e, cell) for e in value]  # every branch, so a bad one is refused at once
        return all(results) if kind == "And" else any(results)
    if kind == "Not":
        return not matches(value, cell)
    if kind == "Dimensions":
        return _dimension(value, cell)
    if kind == "Tags":
        return _tag(value, cell)
    raise InvalidFilter(f"this stand-in cannot filter by {kind}")


def _dimension(values: dict, cell: Cell) -> bool:
    key = values.get("Key")
    if key not in DIMENSIONS:
        raise InvalidFilter(f"this stand-in filters dimensions {', '.join(DIMENSIONS)} only, not {key}")
    if set(values.get("MatchOptions") or ["EQUALS"]) - {"EQUALS", "CASE_SENSITIVE"}:
        raise InvalidFilter("Dimensions support the match options EQUALS and CASE_SENSITIVE only")
    return cell.dimension(key) in (values.get("Values") or [])


def _tag(values: dict, cell: Cell) -> bool:
    options = set(values.get("MatchOptions") or ["EQUALS"])
    if options - {"EQUALS", "ABSENT", "CASE_SENSITIVE"}:
        raise InvalidFilter("this stand-in matches tags with EQUALS or ABSENT only")
    found = dict(cell.tags).get(values.get("Key"))
    if "ABSENT" in options:
        return found is None
    return found in (values.get("Values") or [])
