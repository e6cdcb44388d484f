"""The Slack stand-in's /_sandbox/ routes: the HTTP mirror of its Python test API (recordings, rate
limits, response_urls, slow and down modes, and Slack's side of Socket Mode), for tests and tools
that drive the sandbox from another process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from sandbox.httpstub import Request, Response
from sandbox.slack_socket import NotAcked, NotConnected

if TYPE_CHECKING:
    from sandbox.slack_api import SlackApiStub

OK = {"ok": True}


def add_routes(stub: SlackApiStub) -> None:
    admin = _Admin(stub)
    routes: list[tuple[str, str, Callable[[Request], Response]]] = [
        ("GET", "messages", admin.messages),
        ("GET", "calls", admin.calls),
        ("POST", "reset", admin.reset),
        ("POST", "ratelimit", admin.ratelimit),
        ("POST", "response_url", admin.response_url),
        ("POST", "slow", admin.slow),
        ("POST", "down", admin.down),
        ("POST", "up", admin.up),
        ("GET", "socket", admin.socket),
        ("POST", "socket/slash", admin.slash),
        ("POST", "socket/click", admin.click),
        ("POST", "socket/envelope", admin.envelope),
        ("POST", "socket/disconnect", admin.disconnect),
        ("POST", "socket/drop", admin.drop),
        ("POST", "socket/wait", admin.wait),
    ]
    for verb, name, handler in routes:
        stub.route(verb, f"/_sandbox/{name}", handler)


def _spec(req: Request) -> dict[str, Any]:
    return req.json() or {}


def _timeout(spec: dict[str, Any]) -> float:
    return float(spec.get("timeout", 3))


class _Admin:
    def __init__(self, stub: SlackApiStub):
        self.stub = stub

    def messages(self, req: Request) -> Response:
        after = int(req.arg("after", "0") or 0)
        return Response(body={"messages": self.stub.messages(req.arg("channel"), after)})

    def calls(self, req: Request) -> Response:
        return Response(body={"calls": self.stub.calls(req.arg("method"))})

    def reset(self, req: Request) -> Response:
        self.stub.reset()
        return Response(body=OK)

    def ratelimit(self, req: Request) -> Response:
        spec = _spec(req)
        self.stub.ratelimit(spec["method"], int(spec.get("count", 1)), int(spec.get("retry_after", 1)))
        return Response(body=OK)

    def response_url(self, req: Request) -> Response:
        spec = _spec(req)
        return Response(
            body={"response_url": self.stub.new_response_url(spec.get("channel"), spec.get("user"))}
        )

    def slow(self, req: Request) -> Response:
        """{"seconds": 6, "for_seconds": 40} or {"seconds": 6, "calls": 3}; {"seconds": 0} clears."""
        spec = _spec(req)
        self.stub.slow(float(spec.get("seconds", 0)), spec.get("for_seconds"), spec.get("calls"))
        return Response(body=OK)

    def down(self, req: Request) -> Response:
        """{"methods": ["auth.test"], "for_calls": 2, "failure": "503" | "reset"}; all keys optional."""
        spec = _spec(req)
        self.stub.down(spec.get("methods"), spec.get("for_calls"), spec.get("failure", "503"))
        return Response(body=OK)

    def up(self, req: Request) -> Response:
        self.stub.up()
        return Response(body=OK)

    def socket(self, req: Request) -> Response:
        socket = self.stub.socket
        return Response(
            body={"clients": socket.clients(), "links": socket.links(), "envelopes": socket.envelopes()}
        )

    def slash(self, req: Request) -> Response:
        """{"text", "user", "channel"?, "response_url"?, "timeout"?, "command"?}"""
        spec = _spec(req)
        args = (spec.get("channel", "C0PLATFORM"), spec.get("response_url"), _timeout(spec))
        return _delivered(lambda: self.stub.send_slash(spec.get("text", ""), spec["user"], *args))

    def click(self, req: Request) -> Response:
        """{"body": <block_actions payload>, "timeout"?}"""
        spec = _spec(req)
        return _delivered(lambda: self.stub.send_click(spec["body"], _timeout(spec)))

    def envelope(self, req: Request) -> Response:
        """{"type": "events_api", "payload": {...}, "accepts_response_payload"?, "timeout"?}"""
        spec = _spec(req)
        accepts = bool(spec.get("accepts_response_payload", False))
        return _delivered(
            lambda: self.stub.socket.deliver(spec["type"], spec["payload"], accepts, _timeout(spec))
        )

    def disconnect(self, req: Request) -> Response:
        self.stub.socket_disconnect(_spec(req).get("reason", "refresh_requested"))
        return Response(body=OK)

    def drop(self, req: Request) -> Response:
        self.stub.socket_drop()
        return Response(body=OK)

    def wait(self, req: Request) -> Response:
        """{"count"?, "timeout"?}: 200 once that many apps are connected, 504 if they never are."""
        spec = _spec(req)
        try:
            clients = self.stub.wait_for_socket(int(spec.get("count", 1)), _timeout(spec))
        except NotConnected as error:
            return Response(504, {"ok": False, "error": "not_connected", "detail": str(error)})
        return Response(body={"ok": True, "clients": clients})


def _delivered(send: Callable[[], dict[str, Any]]) -> Response:
    """200 with the ack's payload; 409 when no app is connected; 504 when the app never acked."""
    try:
        return Response(body={"ok": True, "payload": send()})
    except NotConnected as error:
        return Response(409, {"ok": False, "error": "not_connected", "detail": str(error)})
    except NotAcked as error:
        return Response(504, {"ok": False, "error": "not_acked", "envelope_id": error.envelope_id})
