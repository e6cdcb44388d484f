"""What the sandbox's Cost Explorer stand-in holds for the platform (tag Project = llm-platform), worked
out from its seeded cells, so the cost scenarios can check the bot's figures to the dollar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sandbox.cost_data import PLATFORM, PROJECT_TAG, day_cells

PLATFORM_FILTER = {"Tags": {"Key": PROJECT_TAG, "Values": [PLATFORM]}}


def platform_usd(day: date, service: str | None = None, purchase: str | None = None) -> float:
    """The platform's unblended cost on `day` (optionally of one service and purchase type)."""
    return sum(
        c.usd
        for c in day_cells(day)
        if dict(c.tags).get(PROJECT_TAG) == PLATFORM
        and service in (None, c.service)
        and purchase in (None, c.purchase_type)
    )


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def today() -> date:
    return datetime.now(timezone.utc).date()
