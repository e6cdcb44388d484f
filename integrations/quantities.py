"""Kubernetes resource quantities ("1250m", "3n", "12345Ki", "1.5Gi", "2e3") as numbers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "K": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$")


def parse(quantity: str | int | float) -> Decimal:
    """The quantity in base units (cores, bytes); ValueError when it is not a quantity."""
    match = QUANTITY.match(str(quantity).strip())
    if not match or match.group(2) not in SUFFIXES:
        raise ValueError(f"not a Kubernetes quantity: {quantity!r}")
    try:
        return Decimal(match.group(1)) * SUFFIXES[match.group(2)]
    except InvalidOperation:
        raise ValueError(f"not a Kubernetes quantity: {quantity!r}") from None


def millicores(quantity: str | int | float) -> int:
    return round(parse(quantity) * 1000)


def to_bytes(quantity: str | int | float) -> int:
    return round(parse(quantity))
