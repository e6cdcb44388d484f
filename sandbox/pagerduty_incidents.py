"""The stand-in's incidents and the rules PagerDuty applies when one is updated over REST: status only
to acknowledged or resolved (triggered only reopens a resolved one), escalation to a level of the
policy, reassignment, priority; plus the escalation level PagerDuty keeps but never shows."""

from __future__ import annotations

import copy
import itertools
import secrets
from datetime import datetime
from typing import Any, Callable

from sandbox.pagerduty_data import (
    LEVELS,
    PRIORITIES,
    SERVICES,
    PdError,
    invalid,
    policy_ref,
    ref,
    stamp,
)

_ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEEDS = [  # (id, title, status, priority, urgency): what every test and the demo start from
    ("PINC001", "vLLM p99 latency above SLO", "triggered", "P1", "high"),
    ("PINC002", "RAG ingestion backlog growing", "acknowledged", "P2", "low"),
    ("PINC003", "GPU node NotReady", "resolved", "P3", "low"),
]
SEED_TIME = "2024-05-01T09:00:00Z"
Incident = dict[str, Any]


class IncidentBook:
    """Incidents by id, the level each is at, and its notes. Not locked: the server holds its lock."""

    def __init__(self, now: Callable[[], datetime], users: dict[str, dict[str, Any]]):
        self._now, self._users = now, users
        self.incidents: dict[str, Incident] = {}
        self.levels: dict[str, int] = {}
        self.notes: dict[str, list[dict[str, Any]]] = {}
        self._numbers = itertools.count(101)

    def open(self, title: str, priority: str | None, service_id: str, urgency: str, **fixed: Any) -> Incident:
        """A new triggered incident at level 1, assigned to level 1's on-call (`fixed` pins id/status)."""
        incident_id = fixed.pop("id", None) or self._new_id()
        number, at = next(self._numbers), self._stamp()
        service_name = next(name for sid, name, _ in SERVICES if sid == service_id)
        incident = {
            **ref("incident", incident_id, f"[#{number}] {title}"),
            "type": "incident",
            "incident_number": number,
            "title": title,
            "status": "triggered",
            "urgency": urgency,
            "created_at": at,
            "updated_at": at,
            "last_status_change_at": at,
            "incident_key": secrets.token_hex(16),
            "service": ref("service", service_id, service_name),
            "escalation_policy": policy_ref(),
            "priority": _priority_ref(priority) if priority else None,
            "assignments": [self._assignment(LEVELS[1], at)],
            "acknowledgements": [],
            "pending_actions": [],
            "assigned_via": "escalation_policy",
            "resolved_at": None,
            "teams": [],
            "incident_type": {"name": "incident_default"},
            **fixed,
        }
        self.incidents[incident_id], self.levels[incident_id] = incident, 1
        return incident

    def seed(self) -> None:
        """#101 triggered, #102 acknowledged by Olivia, #103 resolved; all opened at SEED_TIME."""
        olivia = ref("user", "PUSER01", "Olivia Ops")
        for incident_id, title, status, priority, urgency in SEEDS:
            fixed = {"created_at": SEED_TIME, "updated_at": SEED_TIME, "last_status_change_at": SEED_TIME}
            key = f"key-{len(self.incidents) + 101}"
            incident = self.open(
                title, priority, "PSVCLLM", urgency, id=incident_id, incident_key=key, **fixed
            )
            incident["assignments"][0]["at"] = SEED_TIME
            if status == "acknowledged":
                incident.update(status=status, acknowledgements=[{"at": SEED_TIME, "acknowledger": olivia}])
            if status == "resolved":
                incident.update(status=status, assignments=[], resolved_at=SEED_TIME)

    def find(self, incident_id: str) -> Incident:
        if incident_id not in self.incidents:
            raise PdError(404, "Not Found", 2100)
        return self.incidents[incident_id]

    def update(self, incident_id: str, change: Any, requester: dict[str, Any]) -> Incident:
        """Apply a PUT /incidents/{id} body's `incident` object; all or nothing."""
        if not isinstance(change, dict):
            raise invalid("incident must be an object")
        updated, level = copy.deepcopy(self.find(incident_id)), self.levels[incident_id]
        if "status" in change:
            level = self._set_status(updated, change["status"], requester, level)
        if "escalation_level" in change:
            level = self._escalate(updated, change["escalation_level"])
        if "assignments" in change:
            self._assign(updated, change["assignments"])
        if "priority" in change:
            updated["priority"] = _priority_ref(change["priority"])
        updated["updated_at"] = self._stamp()
        self.incidents[incident_id], self.levels[incident_id] = updated, level
        return updated

    # ---- the rules ----------------------------------------------------------------------------
    def _set_status(self, incident: Incident, status: Any, requester: dict[str, Any], level: int) -> int:
        resolved = incident["status"] == "resolved"
        if status not in ("acknowledged", "resolved", "triggered") or (
            status == "triggered" and not resolved
        ):
            raise invalid(
                f"Status {status!r} is invalid: an open incident can only be acknowledged or resolved"
            )
        if status == "resolved" and resolved:
            raise PdError(400, "Incident Already Resolved", 1001)
        at, who = self._stamp(), ref("user", requester["id"], requester["name"])
        if resolved:  # the documented reopen: acknowledged goes to the requester, triggered to level 1
            level = 1
            target = requester["id"] if status == "acknowledged" else LEVELS[1]
            incident.update(assignments=[self._assignment(target, at)], acknowledgements=[], resolved_at=None)
        if status == "acknowledged" and all(
            a["acknowledger"]["id"] != who["id"] for a in incident["acknowledgements"]
        ):
            incident["acknowledgements"].append({"at": at, "acknowledger": who})
        if status == "resolved":
            incident.update(assignments=[], pending_actions=[], resolved_at=at)
        if status != incident["status"]:
            incident.update(status=status, last_status_change_at=at, last_status_change_by=who)
        return level

    def _escalate(self, incident: Incident, level: Any) -> int:
        if incident["status"] == "resolved":
            raise PdError(400, "Cannot Escalate", 1006, ["The incident is resolved"])
        if not isinstance(level, int) or isinstance(level, bool):
            raise invalid("escalation_level must be an integer")
        if level not in LEVELS:
            raise PdError(400, "Cannot Escalate", 1006, [f"The escalation policy has no level {level}"])
        self._reassigned(incident, [LEVELS[level]])
        incident["assigned_via"] = "escalation_policy"
        return level

    def _assign(self, incident: Incident, assignments: Any) -> None:
        if incident["status"] == "resolved":
            raise PdError(400, "Incident Already Resolved", 1001)
        if not isinstance(assignments, list) or not assignments:
            raise invalid("assignments must be a non-empty list")
        ids = [_assignee_id(a) for a in assignments]
        if any(not isinstance(i, str) or i not in self._users for i in ids):
            raise PdError(400, "Assigned To User Not Found", 1007)
        self._reassigned(incident, ids)
        incident["assigned_via"] = "direct_assignment"

    def _reassigned(self, incident: Incident, user_ids: list[str]) -> None:
        """A new assignee must act: an acknowledged incident is triggered again."""
        at = self._stamp()
        incident.update(assignments=[self._assignment(u, at) for u in user_ids], acknowledgements=[])
        if incident["status"] == "acknowledged":
            incident.update(status="triggered", last_status_change_at=at)

    # ---- helpers ------------------------------------------------------------------------------
    def _assignment(self, user_id: str, at: str) -> dict[str, Any]:
        return {"at": at, "assignee": ref("user", user_id, self._users[user_id]["name"])}

    def _new_id(self) -> str:
        while True:  # the shape of PagerDuty's newer incident ids, e.g. Q0RIJJZL24RC6W
            candidate = "Q" + "".join(secrets.choice(_ID_CHARS) for _ in range(13))
            if candidate not in self.incidents:
                return candidate

    def _stamp(self) -> str:
        return stamp(self._now())


def _assignee_id(assignment: Any) -> Any:
    assignee = assignment.get("assignee") if isinstance(assignment, dict) else None
    return assignee.get("id") if isinstance(assignee, dict) else None


def _priority_ref(wanted: Any) -> dict[str, Any]:
    """A priority given as a reference, an id or a name ("the highest priority with that name")."""
    key = wanted.get("id") if isinstance(wanted, dict) else wanted
    for pid, name, _ in PRIORITIES:
        if key in (pid, name):
            return {k: v for k, v in ref("priority", pid, name).items() if k != "html_url"}
    raise PdError(400, "Invalid Priority", 1020)
