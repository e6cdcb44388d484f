"""The PagerDuty stand-in's REST routes: each handler reads the request, asks the stand-in's books and
answers in PagerDuty's JSON (wrapped entities, classic `limit`/`offset` pagination)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from sandbox import pagerduty_data as directory
from sandbox.httpstub import Request, Response
from sandbox.pagerduty_data import PdError, invalid, parse_time, ref

if TYPE_CHECKING:
    from sandbox.pagerduty_api import PagerDutyStub

STATUSES = ("triggered", "acknowledged", "resolved")
MAX_NOTES = 2000


def routes(stub: PagerDutyStub) -> list[tuple[str, str, Callable[[Request], Response]]]:
    handlers = _Handlers(stub)
    return [
        ("GET", r"/incidents", handlers.list_incidents),
        ("GET", r"/incidents/(?P<id>\w+)", handlers.get_incident),
        ("PUT", r"/incidents/(?P<id>\w+)", handlers.update_incident),
        ("GET", r"/incidents/(?P<id>\w+)/notes", handlers.list_notes),
        ("POST", r"/incidents/(?P<id>\w+)/notes", handlers.add_note),
        ("GET", r"/oncalls", handlers.oncalls),
        ("GET", r"/priorities", handlers.priorities),
        ("GET", r"/users", handlers.users),
        ("GET", r"/services", handlers.services),
        ("GET", r"/services/(?P<id>\w+)", handlers.service),
        ("GET", r"/maintenance_windows", handlers.list_windows),
        ("POST", r"/maintenance_windows", handlers.create_window),
        ("GET", r"/maintenance_windows/(?P<id>\w+)", handlers.get_window),
        ("DELETE", r"/maintenance_windows/(?P<id>\w+)", handlers.delete_window),
    ]


class _Handlers:
    def __init__(self, stub: PagerDutyStub):
        self._stub = stub

    # ---- incidents ----------------------------------------------------------------------------
    def list_incidents(self, req: Request) -> Response:
        wanted = req.query.get("statuses[]") or list(STATUSES)
        found = [i for i in self._stub.book.incidents.values() if i["status"] in wanted]
        return page(req, "incidents", copy.deepcopy(found))

    def get_incident(self, req: Request) -> Response:
        incident = copy.deepcopy(self._stub.book.find(req.params["id"]))
        if "assignees" in req.query.get("include[]", []):  # full users in place of references
            for assignment in incident["assignments"]:
                assignment["assignee"] = copy.deepcopy(self._stub.users[assignment["assignee"]["id"]])
        return Response(body={"incident": incident})

    def update_incident(self, req: Request) -> Response:
        self._stub.book.find(req.params["id"])
        requester = self._stub.requester(req)
        body = body_json(req)
        change = body.get("incident") if isinstance(body, dict) else None
        updated = self._stub.book.update(req.params["id"], change, requester)
        return Response(body={"incident": copy.deepcopy(updated)})

    def list_notes(self, req: Request) -> Response:
        self._stub.book.find(req.params["id"])
        return Response(body={"notes": copy.deepcopy(self._stub.book.notes.get(req.params["id"], []))})

    def add_note(self, req: Request) -> Response:
        self._stub.book.find(req.params["id"])
        requester = self._stub.requester(req)
        body = body_json(req)
        note = body.get("note") if isinstance(body, dict) else None
        content = note.get("content") if isinstance(note, dict) else None
        if not isinstance(content, str) or not content:
            raise invalid("Note content cannot be empty.")
        notes = self._stub.book.notes.setdefault(req.params["id"], [])
        if len(notes) >= MAX_NOTES:
            raise invalid(f"An incident can have at most {MAX_NOTES} notes")
        created = {
            "id": self._stub.new_note_id(),
            "user": ref("user", requester["id"], requester["name"]),
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": content,
            "created_at": directory.stamp(self._stub.now()),
        }
        notes.append(created)
        return Response(201, {"note": copy.deepcopy(created)})

    # ---- directory ----------------------------------------------------------------------------
    def oncalls(self, req: Request) -> Response:
        since, until = self._time_range(req)
        policies = req.query.get("escalation_policy_ids[]")
        if policies and directory.POLICY_ID not in policies:
            return page(req, "oncalls", [])
        embed = "users" in req.query.get("include[]", [])
        return page(req, "oncalls", directory.oncalls(since, until, embed))

    def _time_range(self, req: Request) -> tuple[datetime, datetime]:
        """`since`/`until` of a list call; both default to now, as PagerDuty's do."""
        now = self._stub.now()
        try:
            since = parse_time(req.arg("since"), "since") if req.arg("since") else now
            until = parse_time(req.arg("until"), "until") if req.arg("until") else max(now, since)
        except PdError:
            raise PdError(400, "Invalid time values in 'since' and/or 'until' parameters", 2004) from None
        if until < since or until - since > timedelta(days=90):
            raise PdError(400, "Invalid Query Date Range", 2005)
        return since, until

    def priorities(self, req: Request) -> Response:
        return page(req, "priorities", [directory.priority(name) for _, name, _ in directory.PRIORITIES])

    def users(self, req: Request) -> Response:
        query = (req.arg("query") or "").lower()
        found = [
            u for u in self._stub.users.values() if query in u["email"].lower() or query in u["name"].lower()
        ]
        return page(req, "users", copy.deepcopy(found))

    def services(self, req: Request) -> Response:
        query = (req.arg("query") or "").lower()
        found = [self._service(sid) for sid, name, _ in directory.SERVICES if query in name.lower()]
        return page(req, "services", found)

    def service(self, req: Request) -> Response:
        if req.params["id"] not in [sid for sid, _, _ in directory.SERVICES]:
            raise PdError(404, "Not Found", 2100)
        return Response(body={"service": self._service(req.params["id"])})

    def _service(self, service_id: str) -> dict[str, Any]:
        return directory.service(service_id, self._stub.windows.in_maintenance(service_id))

    # ---- maintenance windows ------------------------------------------------------------------
    def list_windows(self, req: Request) -> Response:
        found = self._stub.windows.listed(
            req.arg("filter") or "all", req.query.get("service_ids[]", []), req.arg("query") or ""
        )
        return page(req, "maintenance_windows", found)

    def create_window(self, req: Request) -> Response:
        requester = self._stub.requester(req)
        return Response(201, {"maintenance_window": self._stub.windows.create(body_json(req), requester)})

    def get_window(self, req: Request) -> Response:
        return Response(body={"maintenance_window": self._stub.windows.find(req.params["id"])})

    def delete_window(self, req: Request) -> Response:
        self._stub.windows.end(req.params["id"])
        return Response(204)


def page(req: Request, key: str, items: list[dict[str, Any]]) -> Response:
    """Classic pagination: `limit` (at most 100, default 25), `offset`, `more`, `total` on request."""
    try:
        limit, offset = min(int(req.arg("limit") or 25), 100), int(req.arg("offset") or 0)
    except ValueError:
        raise invalid("limit and offset must be integers") from None
    if limit < 1 or offset < 0 or offset + limit > 10000:
        raise invalid("Offset must be 0 or more, limit 1 or more, and offset + limit at most 10000")
    total = len(items) if req.arg("total") == "true" else None
    body = {key: items[offset : offset + limit], "limit": limit, "offset": offset}
    return Response(body={**body, "more": offset + limit < len(items), "total": total})


def body_json(req: Request) -> Any:
    try:
        return req.json()
    except (ValueError, RecursionError):
        raise invalid("The request body is not valid JSON") from None


def logged_body(req: Request) -> Any:
    try:
        return req.json() if req.body else None
    except (ValueError, RecursionError):
        return req.body.decode("utf-8", "replace")


def answered(handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """An admin route that answers its own PdError in PagerDuty's shape instead of dropping the connection."""

    def serve(req: Request) -> Response:
        try:
            return handler(req)
        except PdError as error:
            return error.response()

    return serve
