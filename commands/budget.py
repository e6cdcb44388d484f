"""The manual's budget as a two-sided verdict: spend within the budget ± tolerance is fine; over it is
a problem, and far under it is worth a look too (a stopped service, or a budget that no longer fits)."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel

from commands.blockkit import money


class Verdict(str, Enum):
    UNDER = "under"
    WITHIN = "within"
    OVER = "over"

    @property
    def icon(self) -> str:
        return {"over": "❌", "within": "✅", "under": "⚠️"}[self.value]


class Budget(BaseModel):
    usd: float
    tolerance: float

    def judge(self, spent: float) -> Verdict:
        if spent > self.usd * (1 + self.tolerance):
            return Verdict.OVER
        return Verdict.UNDER if spent < self.usd * (1 - self.tolerance) else Verdict.WITHIN

    def describe(self, spent: float) -> str:
        verdict = self.judge(spent)
        budget = f"{money(self.usd)} ±{self.tolerance:.0%} budget"
        text = f"{verdict.icon} {money(spent)} is {verdict.value} the {budget}"
        if verdict is Verdict.WITHIN:
            return text
        off = abs(spent - self.usd) / self.usd if self.usd else 0.0
        return text + (
            f" ({off:.0%} over)" if verdict is Verdict.OVER else f" ({off:.0%} under: worth a look)"
        )
