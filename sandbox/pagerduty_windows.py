"""The stand-in's maintenance windows as PagerDuty keeps them: created for services with a start
(moved to now when in the past) and an end in the future, listed by state and service, and ended
early or deleted by DELETE (a window that already ended cannot be)."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime
from typing import Any, Callable

from sandbox.pagerduty_data import (
    ACCOUNT,
    API,
    SERVICES,
    PdError,
    invalid,
    parse_time,
    ref,
    stamp,
)

STATES = ("past", "future", "ongoing", "open", "all")
Window = dict[str, Any]


class WindowBook:
    """Maintenance windows by id. Not locked: the server holds its lock."""

    def __init__(self, now: Callable[[], datetime]):
        self._now = now
        self.windows: dict[str, Window] = {}
        self._numbers = itertools.count(1)

    def create(self, body: Any, requester: dict[str, Any]) -> Window:
        spec = body.get("maintenance_window") if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise invalid("maintenance_window is required")
        start = parse_time(spec.get("start_time"), "start_time")
        end = parse_time(spec.get("end_time"), "end_time")
        now = self._now()
        start = max(start, now)  # "If this date is in the past, it will be updated to be the current time."
        if end <= now or end <= start:
            raise invalid("end_time must be in the future and after start_time")
        services = _service_refs(spec.get("services"))
        number = next(self._numbers)
        window_id = f"PMW{number:04d}"
        description = spec.get("description") if isinstance(spec.get("description"), str) else ""
        window = {
            "id": window_id,
            "type": "maintenance_window",
            "summary": description,
            "self": f"{API}/maintenance_windows/{window_id}",
            "html_url": f"{ACCOUNT}/service-directory/maintenance-windows/{window_id}",
            "sequence_number": number,
            "start_time": stamp(start),
            "end_time": stamp(end),
            "description": description,
            "services": services,
            "teams": [],
            "created_by": ref("user", requester["id"], requester["name"]),
        }
        self.windows[window_id] = window
        return copy.deepcopy(window)

    def find(self, window_id: str) -> Window:
        if window_id not in self.windows:
            raise PdError(404, "Not Found", 2100)
        return copy.deepcopy(self.windows[window_id])

    def listed(self, state: str, service_ids: list[str], query: str) -> list[Window]:
        if state not in STATES:
            raise invalid("filter must be one of " + ", ".join(STATES))
        wanted = [
            w
            for w in self.windows.values()
            if self._state(w) == state
            or state == "all"
            or (state == "open" and self._state(w) in ("ongoing", "future"))
        ]
        if service_ids:
            wanted = [w for w in wanted if any(s["id"] in service_ids for s in w["services"])]
        if query:
            wanted = [w for w in wanted if query.lower() in w["description"].lower()]
        return copy.deepcopy(wanted)

    def end(self, window_id: str) -> None:
        """DELETE: a future window goes away, an ongoing one ends now, a past one is refused."""
        window, state = self.find(window_id), self._state(self.find(window_id))
        if state == "past":
            raise PdError(405, "Cannot cancel a maintenance window from the past", 5003)
        if state == "future":
            del self.windows[window_id]
            return
        self.windows[window_id] = {**window, "end_time": stamp(self._now())}

    def in_maintenance(self, service_id: str) -> bool:
        return any(
            self._state(w) == "ongoing" and any(s["id"] == service_id for s in w["services"])
            for w in self.windows.values()
        )

    def _state(self, window: Window) -> str:
        now = stamp(self._now())  # same format and zone on both sides, so strings compare as times
        if window["end_time"] <= now:
            return "past"
        return "future" if window["start_time"] > now else "ongoing"


def _service_refs(services: Any) -> list[dict[str, Any]]:
    if not isinstance(services, list) or not services:
        raise invalid("services must be a non-empty list of service references")
    known = {sid: name for sid, name, _ in SERVICES}
    found = []
    for item in services:
        service_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(service_id, str) or service_id not in known:
            raise PdError(400, "Service Not Found", 5002, [f"Service {service_id!r} not found"])
        found.append(ref("service", service_id, known[service_id]))
    return found
