"""The statistics behind the canary verdict, in the few lines they need (no SciPy): a Wilson score
interval for one error rate against a limit, a two-proportion z statistic for the canary against
stable, and how many more requests would make either confident."""

from __future__ import annotations

import math
from typing import Callable


# The absolute limit compares one proportion with a fixed number: the Wilson score interval does that
# well at small counts (unlike the textbook p ± z·√(p(1-p)/n), which collapses to a point at 0 errors and
# is too narrow near 0), so "over the limit" means its lower bound is above the limit.
def wilson_interval(errors: float, requests: float, z: float) -> tuple[float, float]:
    p, z2 = errors / requests, z * z
    centre = (p + z2 / (2 * requests)) / (1 + z2 / requests)
    half = z * math.sqrt(p * (1 - p) / requests + z2 / (4 * requests * requests)) / (1 + z2 / requests)
    return centre - half, centre + half


# Against stable, two samples: a two-proportion z-test (unpooled, one-sided) of "the canary errs more than
# `max_error_rate_ratio_to_stable` times as often as stable". Both counts are in the hundreds or more by
# now (min_requests), where the normal approximation holds, and it needs only a square root.
def ratio_z(canary_rate: float, nc: float, stable_rate: float, ns: float, ratio: float) -> float:
    spread = canary_rate * (1 - canary_rate) / nc + ratio**2 * stable_rate * (1 - stable_rate) / ns
    return (canary_rate - ratio * stable_rate) / math.sqrt(spread)


def more_needed(have: float, confident: Callable[[float], bool]) -> str:
    """The fewest more requests at which `confident(requests)` holds, at the same rates, as
    ": need N more canary requests"; empty if not even a thousand times the traffic would do."""
    low, high = 0, 1  # `have + low` is not confident (else the caller would not ask)
    while not confident(have + high):
        low, high = high, high * 2
        if high > 1000 * max(have, 1.0):
            return ""
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if confident(have + middle) else (middle, high)
    return f": need {high:,} more canary requests"
