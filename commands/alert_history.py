"""What the alerts did in the last 24 h, from Prometheus' own ALERTS series (queries.alerts_fired_24h:
every alert that fired, by name and severity): context for the morning check's "Critical alerts" line,
whose verdict stays the manual's (no critical alert firing now)."""

from __future__ import annotations

from commands.deps import Deps
from integrations.errors import IntegrationError


def last_day(deps: Deps) -> tuple[str, list[str]]:
    """("3 fired in the last 24 h, 1 critical", one detail line naming them) from Prometheus' ALERTS
    history; a failure here costs only the context, never the line's verdict."""
    try:
        samples = deps.prom.vector(deps.queries.alerts_fired_24h)
    except IntegrationError as exc:
        return f"the last 24 h could not be read ({exc.message})", []
    counts = sorted(
        (
            (s.labels.get("alertname", "?"), s.labels.get("severity") or "no severity", int(s.value))
            for s in samples
        ),
        key=lambda c: (c[1] != "critical", c[0]),
    )
    total = sum(n for _, _, n in counts)
    if not total:
        return "none fired in the last 24 h", []
    critical = sum(n for _, severity, n in counts if severity == "critical")
    named = ", ".join(f"{name} ({severity})" + (f" ×{n}" if n > 1 else "") for name, severity, n in counts)
    return f"{total} fired in the last 24 h, {critical} critical", [f"last 24 h: {named}"]
