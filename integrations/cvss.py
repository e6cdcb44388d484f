"""CVSS v3.0/v3.1 base scores from vector strings (OSV gives the vector, not the number), and the
qualitative rating every advisory source shares: LOW, MEDIUM, HIGH, CRITICAL."""

from __future__ import annotations

import math

_WEIGHTS = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_PRIVILEGES = {"N": (0.85, 0.85), "L": (0.62, 0.68), "H": (0.27, 0.5)}  # (scope unchanged, changed)


def base_score(vector: str) -> float | None:
    """The base score of a `CVSS:3.x/AV:../AC:..` vector, or None when it is not a v3 vector."""
    parts = vector.split("/")
    if not parts[0].startswith("CVSS:3"):
        return None
    try:
        m = dict(p.split(":", 1) for p in parts[1:])
        changed = m["S"] == "C"
        cia = [_WEIGHTS["C"][m[k]] for k in ("C", "I", "A")]
        reach = _WEIGHTS["AV"][m["AV"]] * _WEIGHTS["AC"][m["AC"]] * _WEIGHTS["UI"][m["UI"]]
        exploitability = 8.22 * reach * _PRIVILEGES[m["PR"]][changed]
    except (KeyError, ValueError):
        return None
    iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2])
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    if impact <= 0:
        return 0.0
    return _round_up(min((1.08 if changed else 1.0) * (impact + exploitability), 10))


def rating(score: float) -> str:
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    return "LOW" if score > 0 else "NONE"


def _round_up(value: float) -> float:
    """CVSS 3.1's Roundup: the smallest one-decimal number >= value, immune to float noise."""
    scaled = round(value * 100_000)
    return scaled / 100_000 if scaled % 10_000 == 0 else (math.floor(scaled / 10_000) + 1) / 10
