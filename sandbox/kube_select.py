"""Field selectors as the Kubernetes API reads them (`involvedObject.name=x,type!=Normal`): equality
on dotted paths into the object, compared as strings.
"""

from __future__ import annotations

from typing import Callable


def field_matches(obj: dict, selector: str | None, rename: Callable[[str], str] = str) -> bool:
    for term in filter(None, (t.strip() for t in (selector or "").split(","))):
        negate = "!=" in term
        path, value = term.replace("!=", "=", 1).replace("==", "=", 1).split("=", 1)
        if (_lookup(obj, rename(path.strip())) == value.strip()) == negate:
            return False
    return True


def _lookup(obj: dict, path: str) -> str:
    found: object = obj
    for part in path.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return "" if found is None else str(found)


def truthy(value: str | None) -> bool:
    """A boolean query parameter: the Python client sends `True`, kubectl `true`."""
    return (value or "").lower() in ("true", "1")
