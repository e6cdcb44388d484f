"""The manual's budget as a verdict: spend under, within or over the budget ± tolerance."""

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
        return "❌" if self is Verdict.OVER else "✅"


class Budget(BaseModel):
    usd: float
    tolerance: float

    def judge(self, spent: float) -> Verdict:
        if spent > self.usd * (1 + self.tolerance):
            return Verdict.OVER
        return Verdict.UNDER if spent < self.usd * (1 - self.tolerance) else Verdict.WITHIN

    def describe(self, spent: float) -> str:
        verdict = self.judge(spent)
        words = {Verdict.OVER: "over", Verdict.WITHIN: "within", Verdict.UNDER: "under"}[verdict]
        return f"{verdict.icon} {money(spent)} is {words} the {money(self.usd)} ±{self.tolerance:.0%} budget"
