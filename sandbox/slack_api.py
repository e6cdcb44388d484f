"""Slack Web API stand-in: chat.*, conversations history and replies (with message metadata), users,
usergroups, files upload v2, response_urls and Socket Mode, answering like Slack, validating Block Kit
with slack_sdk's models, simulating 429s, slowness and outages, and recording every message (accepted
or refused) and every call for tests and the terminal demo."""

from __future__ import annotations

import itertools
import secrets
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from sandbox import slack_history
from sandbox.httpstub import Request, Response, StubServer
from sandbox.slack_admin import add_routes
from sandbox.slack_checks import Refused, check_content, check_metadata, request_args, truthy
from sandbox.slack_faults import ApiFaults
from sandbox.slack_sender import slash_fields
from sandbox.slack_socket import SocketModeServer

CHANNELS = {
    "C0PLATFORM": "llm-platform",
    "C0INCIDENT": "incident-response",
    "C0ALERTS": "llm-platform-alerts",
}
USERS = {"U0OPS1": "ops1@example.com", "U0OPS2": "ops2@example.com", "U0VIEW": "viewer@example.com"}
USERGROUPS = {"S0ONCALL": ["U0OPS1", "U0OPS2"]}
BOT = {"user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0LLM", "team": "LLM Platform", "user": "llmbot"}
RESPONSE_URL_USES = 5
APP_TOKEN_METHODS = ("apps.connections.open",)  # what an app-level token (xapp-) may call
RESPONSE_PAYLOAD_TYPES = ("view_submission", "block_suggestion")  # interactive kinds answered in the ack


class SlackApiStub(StubServer):
    """The stand-in server. Python accessors mirror the /_sandbox/ endpoints (sandbox/slack_admin.py)."""

    def __init__(self) -> None:
        super().__init__("slack")
        self._lock = threading.RLock()
        self._counter = itertools.count(1)
        self._ts_counter = itertools.count(1)
        self._file_counter = itertools.count(1)
        self.faults = ApiFaults()
        self.socket = SocketModeServer()
        self._clear()
        for verb in ("GET", "POST"):
            self.route(verb, r"/api/(?P<method>[\w.]+)", self._api)
        self.route("POST", r"/response/(?P<token>\w+)", self._response_url)
        self.route("POST", r"/upload/(?P<file_id>\w+)", self._upload)
        add_routes(self)

    def start(self, port: int = 0) -> str:
        self.socket.start()
        return super().start(port)

    def stop(self) -> None:
        super().stop()
        self.socket.stop()

    # ---- Python API ---------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def new_response_url(self, channel: str, user: str) -> str:
        token = secrets.token_hex(8)
        with self._lock:
            self._response_urls[token] = {"channel": channel, "user": user, "uses": 0}
        return f"{self.url}/response/{token}"

    def messages(self, channel: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._records if m["seq"] > after and channel in (None, m["channel"])]

    def file_bytes(self, file_id: str) -> bytes | None:
        """An uploaded file's content exactly as the bot sent it."""
        with self._lock:
            return self._upload_bytes.get(file_id)

    def rejected(self) -> list[dict[str, Any]]:
        return [m for m in self.messages() if not m["ok"]]

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._calls if method in (None, c["method"])]

    def ratelimit(self, method: str, count: int, retry_after: int = 1) -> None:
        with self._lock:
            self._ratelimits[method] = [count, retry_after]

    def slow(self, seconds: float, for_seconds: float | None = None, calls: int | None = None) -> None:
        """Every Web API method does its work, then answers `seconds` late: for `for_seconds`, for
        `calls` calls, or until `slow(0)` / `up()`."""
        self.faults.slow(seconds, for_seconds, calls)

    def down(
        self, methods: list[str] | None = None, for_calls: int | None = None, failure: str = "503"
    ) -> None:
        """`methods` (default all) fail without doing anything, with HTTP 503 `service_unavailable`
        (failure="503") or a TCP reset before the request is read (failure="reset"), for `for_calls`
        calls or until `up()`."""
        self.faults.down(methods, for_calls, failure)

    def up(self) -> None:
        """Slack is healthy again: no slow or down mode."""
        self.faults.clear()

    def reset(self) -> None:
        """Forget every message, call, limit and fault, and Socket Mode's history (not live sockets)."""
        with self._lock:
            self._clear()
        self.faults.clear()
        self.socket.reset()

    def _clear(self) -> None:
        self._records: list[dict[str, Any]] = []
        self._calls: list[dict[str, Any]] = []
        self._stored: dict[tuple[str, str], dict[str, Any]] = {}
        self._ratelimits: dict[str, list[int]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._upload_bytes: dict[str, bytes] = {}  # as sent: records keep text, a PNG needs its bytes

    # ---- Socket Mode, Slack's side ----------------------------------------------------------------
    def socket_clients(self) -> int:
        return self.socket.clients()

    def wait_for_socket(self, count: int = 1, timeout: float = 5.0) -> int:
        """Wait until `count` apps are connected (slack_socket.NotConnected after `timeout`)."""
        return self.socket.wait_for(count, timeout)

    def send_slash(
        self,
        text: str,
        user: str,
        channel: str = "C0PLATFORM",
        response_url: str | None = None,
        timeout: float = 3.0,
        command: str = "/llm",
    ) -> dict[str, Any]:
        """Deliver a slash command over Socket Mode; the ack's payload (`{}` for an empty ack).
        Without `response_url` the command gets one of this stand-in's. Raises NotConnected or NotAcked."""
        url = response_url or self.new_response_url(channel, user)
        return self.socket.deliver(
            "slash_commands", slash_fields(text, user, channel, url, command), True, timeout
        )

    def send_click(self, body: dict[str, Any], timeout: float = 3.0) -> dict[str, Any]:
        """Deliver an interactive payload (e.g. slack_sender.action_payload(...)); the ack's payload."""
        accepts = body.get("type") in RESPONSE_PAYLOAD_TYPES
        return self.socket.deliver("interactive", body, accepts, timeout)

    def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send `disconnect` (refresh_requested, warning, link_disabled) to every app, then close."""
        self.socket.disconnect(reason)

    def socket_drop(self) -> None:
        """Reset every Socket Mode connection without a word."""
        self.socket.drop()

    # ---- Web API ------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        """Every request passes here first, so a down Web API can fail before it reads anything."""
        method = h.path.partition("?")[0].removeprefix("/api/") if h.path.startswith("/api/") else None
        if method is not None and self.faults.fails(method, "reset"):
            self._reset_connection(h, method)
            return
        try:
            super()._handle(h)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client stopped waiting for a slow answer

    def _reset_connection(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self._lock:
            self._note_call(method, {"ok": False, "error": "connection_reset"}, {})
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()  # really closed (RST, request unread) when the handler's files close after us

    def _api(self, req: Request) -> Response:
        method, args = req.params["method"], request_args(req)
        with self._lock:
            answer = self._answer(req, method, args)
            delay = self.faults.delay()
            self._note_call(method, answer.body, args, delay)
        if delay:
            time.sleep(delay)  # the work is done and recorded; only the answer is late, as when Slack is slow
        return answer

    def _note_call(self, method: str, body: dict[str, Any], args: dict[str, Any], delay: float = 0.0) -> None:
        self._calls.append(
            {"method": method, "ok": body["ok"], "error": body.get("error"), "args": args, "delayed": delay}
        )

    def _answer(self, req: Request, method: str, args: dict[str, Any]) -> Response:
        if self.faults.fails(method, "503"):
            return Response(503, {"ok": False, "error": "service_unavailable"})
        if retry_after := self._take_ratelimit(method):
            return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        try:
            self._authenticate(req, method, args)
            return Response(body=self._call(method, args))
        except Refused as refused:
            return Response(body=refused.body())

    def _take_ratelimit(self, method: str) -> int:
        limit = self._ratelimits.get(method)
        if not limit or limit[0] <= 0:
            return 0
        limit[0] -= 1
        return limit[1]

    @staticmethod
    def _authenticate(req: Request, method: str, args: dict[str, Any]) -> None:
        """Bot tokens (xoxb-) call everything but apps.connections.open, which takes only app-level
        tokens (xapp-); the wrong kind is not_allowed_token_type, anything else invalid_auth."""
        header = req.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header else args.pop("token", "")
        if not token:
            raise Refused("not_authed")
        if not token.startswith(("xoxb-", "xapp-")):
            raise Refused("invalid_auth")
        if token.startswith("xapp-") != (method in APP_TOKEN_METHODS):
            raise Refused("not_allowed_token_type")

    def _call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handlers = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.delete": self._delete,
            "conversations.history": lambda a: self._lookup(slack_history.history, a),
            "conversations.replies": lambda a: self._lookup(slack_history.replies, a),
            "auth.test": lambda a: {"ok": True, "url": "https://llm-sandbox.slack.com/", **BOT},
            "apps.connections.open": lambda a: {"ok": True, "url": self.socket.issue_url()},
            "users.info": self._user_info,
            "usergroups.users.list": self._usergroup_users,
            "conversations.join": lambda a: {"ok": True, "channel": {"id": self._channel(a.get("channel"))}},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        if method not in handlers:
            raise Refused("unknown_method")
        return handlers[method](args)

    def _lookup(self, query, args: dict[str, Any]) -> dict[str, Any]:
        return query(self._stored, self._channel(args.get("channel")), args)

    def _channel(self, channel: Any) -> str:
        by_name = {f"#{name}": cid for cid, name in CHANNELS.items()}
        channel = by_name.get(channel, channel)
        if not isinstance(channel, str) or not (channel in CHANNELS or channel[:1] in ("C", "D")):
            raise Refused("channel_not_found")
        return channel

    def _next_ts(self) -> str:
        n = next(self._ts_counter)
        return f"{1700000000 + n // 10000}.{n % 10000 * 100:06d}"

    def _record(self, kind: str, fields: dict[str, Any], error: str | None = None) -> dict[str, Any]:
        keys = (
            "channel",
            "user",
            "ts",
            "thread_ts",
            "text",
            "blocks",
            "response_type",
            "replace_original",
            "delete_original",
            "file",
            "metadata",
        )
        record = {
            "seq": next(self._counter),
            "kind": kind,
            "at": time.time(),
            **{k: fields.get(k) for k in keys},
        }
        record.update(ok=error is None, error=error)
        self._records.append(record)
        return record

    def _checked(self, kind: str, args: dict[str, Any], check) -> dict[str, Any]:
        try:
            check()
        except Refused as refused:
            keep_ts = kind in ("update", "delete")  # the target message; a refused post never got a ts
            self._record(kind, {**args, "ts": args.get("ts") if keep_ts else None}, refused.error)
            raise
        return self._record(kind, args)

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        fields = {**args, "ts": ts}
        record = self._checked("post", fields, lambda: self._valid_post(fields))
        message = self._message(record)
        self._stored[(record["channel"], ts)] = message
        return {"ok": True, "channel": record["channel"], "ts": ts, "message": message}

    def _valid_post(self, fields: dict[str, Any]) -> None:
        fields["channel"] = self._channel(fields.get("channel"))
        check_content(fields)
        fields["metadata"] = check_metadata(fields.get("metadata")) or None

    @staticmethod
    def _message(record: dict[str, Any]) -> dict[str, Any]:
        message = {
            "type": "message",
            "subtype": "bot_message",
            "user": BOT["user_id"],
            "bot_id": BOT["bot_id"],
            "text": record["text"] or "",
            "ts": record["ts"],
        }
        for key in ("blocks", "thread_ts", "metadata"):
            if record[key]:
                message[key] = record[key]
        return message

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        record = self._checked("update", args, lambda: self._valid_update(args))
        message = {
            **self._stored[(record["channel"], record["ts"])],
            "text": record["text"] or "",
            "blocks": record["blocks"] or [],
            "edited": {"user": BOT["user_id"], "ts": self._next_ts()},
        }
        if "metadata" in args:  # absent keeps the message's metadata; {} removes it
            message.pop("metadata", None)
            message.update({"metadata": args["metadata"]} if args["metadata"] else {})
        self._stored[(record["channel"], record["ts"])] = message
        return {
            "ok": True,
            "channel": record["channel"],
            "ts": record["ts"],
            "text": message["text"],
            "message": message,
        }

    def _valid_update(self, args: dict[str, Any]) -> None:
        args["channel"] = self._channel(args.get("channel"))
        if (args["channel"], args.get("ts")) not in self._stored:
            raise Refused("message_not_found")
        check_content(args)
        if "metadata" in args:
            args["metadata"] = check_metadata(args["metadata"])

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        fields = {**args, "ts": self._next_ts()}
        self._checked("ephemeral", fields, lambda: self._valid_ephemeral(fields))
        return {"ok": True, "message_ts": fields["ts"]}

    def _valid_ephemeral(self, fields: dict[str, Any]) -> None:
        self._valid_post(fields)
        if fields.get("user") not in USERS:
            raise Refused("user_not_in_channel")

    def _delete(self, args: dict[str, Any]) -> dict[str, Any]:
        record = self._checked("delete", args, lambda: self._valid_delete(args))
        del self._stored[(record["channel"], record["ts"])]
        return {"ok": True, "channel": record["channel"], "ts": record["ts"]}

    def _valid_delete(self, args: dict[str, Any]) -> None:
        args["channel"] = self._channel(args.get("channel"))
        if (args["channel"], args.get("ts")) not in self._stored:
            raise Refused("message_not_found")

    @staticmethod
    def _user_info(args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if user_id not in USERS:
            raise Refused("user_not_found")
        name = USERS[user_id].split("@")[0]
        profile = {"email": USERS[user_id], "real_name": name, "display_name": name}
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": BOT["team_id"],
                "name": name,
                "real_name": name,
                "is_bot": False,
                "deleted": False,
                "profile": profile,
            },
        }

    @staticmethod
    def _usergroup_users(args: dict[str, Any]) -> dict[str, Any]:
        if args.get("usergroup") not in USERGROUPS:
            raise Refused("no_such_subteam")
        return {"ok": True, "users": list(USERGROUPS[args["usergroup"]])}

    # ---- files upload v2 ----------------------------------------------------------------------
    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not args.get("length"):
            raise Refused("invalid_arguments")
        file_id = f"F{next(self._file_counter):08d}"
        self._uploads[file_id] = {"id": file_id, "name": args["filename"], "content": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _upload(self, req: Request) -> Response:
        with self._lock:
            upload = self._uploads.get(req.params["file_id"])
            if upload is None:
                return Response(404, "not found", content_type="text/plain")
            upload["content"] = req.body.decode("utf-8", errors="replace")
            self._upload_bytes[upload["id"]] = req.body
        return Response(200, f"OK - {len(req.body)}", content_type="text/plain")

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args["channel_id"]) if args.get("channel_id") else None
        files = [self._finish_file(item) for item in args.get("files") or []]
        for file in files:
            self._record(
                "file",
                {
                    "channel": channel,
                    "ts": self._next_ts(),
                    "thread_ts": args.get("thread_ts"),
                    "text": args.get("initial_comment"),
                    "file": file,
                },
            )
        return {"ok": True, "files": [{k: v for k, v in f.items() if k != "content"} for f in files]}

    def _finish_file(self, item: dict[str, Any]) -> dict[str, Any]:
        upload = self._uploads.get(item.get("id"))
        if upload is None or upload["content"] is None:
            raise Refused("file_not_found")
        return {**upload, "title": item.get("title") or upload["name"]}

    # ---- response_url -------------------------------------------------------------------------
    def _response_url(self, req: Request) -> Response:
        with self._lock:
            target = self._response_urls.get(req.params["token"])
            if target is None or target["uses"] >= RESPONSE_URL_USES:
                return Response(404, {"ok": False, "error": "expired_url"})
            target["uses"] += 1
            message = {**(req.json() or {}), "channel": target["channel"], "user": target["user"]}
            message.setdefault("response_type", "ephemeral")
            try:
                self._checked("response_url", message, lambda: self._valid_response(message))
            except Refused as refused:  # Slack answers a bad response_url post with a 4xx, not 200
                return Response(400, refused.body())
        return Response(200, "ok", content_type="text/plain")

    @staticmethod
    def _valid_response(message: dict[str, Any]) -> None:
        if not (
            truthy(message.get("delete_original")) and not message.get("text") and not message.get("blocks")
        ):
            check_content(message)
