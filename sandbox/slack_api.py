"""Slack Web API stand-in: chat.*, users, usergroups, files upload v2 and response_urls, answering like
Slack, validating Block Kit with slack_sdk's models, simulating 429s, and recording every message
(accepted or refused) for tests and the terminal demo."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.models.blocks import Block

from sandbox.httpstub import Request, Response, StubServer

CHANNELS = {"C0PLATFORM": "llm-platform", "C0INCIDENT": "incident-response"}
USERS = {"U0OPS1": "ops1@example.com", "U0OPS2": "ops2@example.com", "U0VIEW": "viewer@example.com"}
USERGROUPS = {"S0ONCALL": ["U0OPS1", "U0OPS2"]}
BOT = {"user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0LLM", "team": "LLM Platform", "user": "llmbot"}
MAX_BLOCKS = 50
MAX_TEXT = 40_000
RESPONSE_URL_USES = 5


class Refused(Exception):
    """A Slack `{"ok": false}` answer; `messages` fills response_metadata like invalid_blocks does."""

    def __init__(self, error: str, messages: list[str] | None = None):
        super().__init__(error)
        self.error, self.messages = error, messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def block_errors(blocks: Any) -> list[str]:
    """Slack-style error lines for a blocks payload; empty when every block is valid."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    if len(blocks) > MAX_BLOCKS:
        return [f"[ERROR] no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"]
    return [error for index, raw in enumerate(blocks) if (error := _block_error(index, raw))]


def _block_error(index: int, raw: Any) -> str | None:
    try:
        block = Block.parse(raw)
        if block is None or None in (getattr(block, "elements", None) or []):
            raise ValueError(f"unsupported block or element type in {raw!r:.80}")
        if isinstance(raw, dict) and raw.get("accessory") and block.accessory is None:
            raise ValueError("unsupported accessory type")
        block.to_dict()  # validates the block and, recursively, its elements
    except Exception as error:  # slack_sdk raises TypeError, KeyError, SlackObjectFormationError...
        return f"[ERROR] {error} [json-pointer:/blocks/{index}]"
    return None


def check_content(message: dict[str, Any]) -> None:
    """Refuse a message the way Slack would: no text, text too long, or invalid blocks."""
    text, blocks = message.get("text"), message.get("blocks")
    if not text and not blocks:
        raise Refused("no_text")
    if text and len(text) > MAX_TEXT:
        raise Refused("msg_too_long")
    if blocks is not None and (errors := block_errors(blocks)):
        raise Refused("invalid_blocks", errors)


def request_args(req: Request) -> dict[str, Any]:
    """Merge query and body (JSON or form-encoded) the way Slack does; decode JSON-string fields."""
    args: dict[str, Any] = {key: values[0] for key, values in req.query.items()}
    content_type = req.headers.get("Content-Type", "")
    if req.body and "json" in content_type:
        args.update(req.json() or {})
    elif req.body:
        args.update({key: values[0] for key, values in parse_qs(req.body.decode()).items()})
    for key in ("blocks", "files"):
        if isinstance(args.get(key), str):
            args[key] = _json_or_raw(args[key])
    return args


def _json_or_raw(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _truthy(value: Any) -> bool:
    return value in (True, "true", "1", 1)


class SlackApiStub(StubServer):
    """The stand-in server. Python accessors mirror the /_sandbox/ endpoints for in-process tests."""

    def __init__(self) -> None:
        super().__init__("slack")
        self._lock = threading.RLock()
        self._counter = itertools.count(1)
        self._ts_counter = itertools.count(1)
        self._file_counter = itertools.count(1)
        self._clear()
        for verb in ("GET", "POST"):
            self.route(verb, r"/api/(?P<method>[\w.]+)", self._api)
        self.route("POST", r"/response/(?P<token>\w+)", self._response_url)
        self.route("POST", r"/upload/(?P<file_id>\w+)", self._upload)
        self.route("GET", r"/_sandbox/messages", self._get_messages)
        self.route("GET", r"/_sandbox/calls", lambda req: Response(body={"calls": self.calls()}))
        self.route("POST", r"/_sandbox/reset", self._reset)
        self.route("POST", r"/_sandbox/ratelimit", self._set_ratelimit)
        self.route("POST", r"/_sandbox/response_url", self._make_response_url)

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

    def rejected(self) -> list[dict[str, Any]]:
        return [m for m in self.messages() if not m["ok"]]

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._calls if method in (None, c["method"])]

    def ratelimit(self, method: str, count: int, retry_after: int = 1) -> None:
        with self._lock:
            self._ratelimits[method] = [count, retry_after]

    def reset(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._records: list[dict[str, Any]] = []
        self._calls: list[dict[str, Any]] = []
        self._stored: dict[tuple[str, str], dict[str, Any]] = {}
        self._ratelimits: dict[str, list[int]] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}

    # ---- Web API ------------------------------------------------------------------------------
    def _api(self, req: Request) -> Response:
        method, args = req.params["method"], request_args(req)
        with self._lock:
            if retry_after := self._take_ratelimit(method):
                self._calls.append({"method": method, "ok": False, "error": "ratelimited", "args": args})
                return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
            try:
                self._authenticate(req, args)
                body = self._call(method, args)
            except Refused as refused:
                body = refused.body()
            self._calls.append({"method": method, "ok": body["ok"], "error": body.get("error"), "args": args})
        return Response(body=body)

    def _take_ratelimit(self, method: str) -> int:
        limit = self._ratelimits.get(method)
        if not limit or limit[0] <= 0:
            return 0
        limit[0] -= 1
        return limit[1]

    @staticmethod
    def _authenticate(req: Request, args: dict[str, Any]) -> None:
        header = req.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header else args.pop("token", "")
        if not token:
            raise Refused("not_authed")
        if not token.startswith("xoxb-"):
            raise Refused("invalid_auth")

    def _call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handlers = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.delete": self._delete,
            "auth.test": lambda a: {"ok": True, "url": "https://llm-sandbox.slack.com/", **BOT},
            "users.info": self._user_info,
            "usergroups.users.list": self._usergroup_users,
            "conversations.join": lambda a: {"ok": True, "channel": {"id": self._channel(a.get("channel"))}},
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        if method not in handlers:
            raise Refused("unknown_method")
        return handlers[method](args)

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
        )
        record = {"seq": next(self._counter), "kind": kind, **{k: fields.get(k) for k in keys}}
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
        for key in ("blocks", "thread_ts"):
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
            _truthy(message.get("delete_original")) and not message.get("text") and not message.get("blocks")
        ):
            check_content(message)

    # ---- sandbox admin ------------------------------------------------------------------------
    def _get_messages(self, req: Request) -> Response:
        after = int(req.arg("after", "0") or 0)
        return Response(body={"messages": self.messages(req.arg("channel"), after)})

    def _reset(self, req: Request) -> Response:
        self.reset()
        return Response(body={"ok": True})

    def _set_ratelimit(self, req: Request) -> Response:
        spec = req.json() or {}
        self.ratelimit(spec["method"], int(spec.get("count", 1)), int(spec.get("retry_after", 1)))
        return Response(body={"ok": True})

    def _make_response_url(self, req: Request) -> Response:
        spec = req.json() or {}
        return Response(body={"response_url": self.new_response_url(spec.get("channel"), spec.get("user"))})
