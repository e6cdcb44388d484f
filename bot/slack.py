"""The Slack adapter: a Bolt app whose `/llm` listener answers help, usage and refusals inside the
ack and hands real work to the worker. Nothing here waits on a backend, so the ack stays in
milliseconds. The only module that imports slack_bolt."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import messages
from bot.clock import SystemClock
from bot.metrics import Metrics
from bot.rbac import Rbac
from bot.registry import find, role_allows
from bot.router import Invocation, UsageError, parse
from bot.state import Post, Store
from bot.worker import Worker

log = logging.getLogger(__name__)

COMMAND = "/llm"


class SlashCommands:
    """`/llm` from parse to ack."""

    def __init__(self, store: Store, rbac: Rbac, worker: Worker, metrics: Metrics, clock=None):
        self._store, self._rbac, self._worker, self._metrics = store, rbac, worker, metrics
        self._clock = clock or SystemClock()
        # verb -> answer(verb, args, job) -> (outcome, ack): verbs an engine answers from the store alone,
        # inside the ack (approvals, incidents); everything else becomes a worker job
        self.answerers: dict[str, Callable[[str, dict, dict], tuple[str, dict[str, Any]]]] = {}

    def handle(self, command: dict[str, Any], request_id: str = "") -> dict[str, Any]:
        started = time.perf_counter()
        job = {
            "user": command.get("user_id", ""),
            "channel": command.get("channel_id", ""),
            "text": command.get("text", "")[:1000],
            "response_url": command.get("response_url"),
            "request_id": request_id,
        }
        outcome, ack = self._answer(command.get("text", ""), job)
        self._metrics.acks.labels("slash", outcome).inc()
        if outcome != "queued":  # queued work is audited by the worker when it ends
            messages.audit(self._store, self._clock, job, outcome, time.perf_counter() - started)
        return ack

    def _answer(self, text: str, job: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        try:
            invocation = parse(text)
        except UsageError as exc:
            job["verb"] = "?"
            return "usage", messages.usage(exc.message, exc.spec)
        spec = invocation.spec
        job.update(verb=spec.name, args=invocation.args)
        role = self._rbac.role_of(job["user"])
        if not role_allows(role, spec.role):
            return "refused", messages.refused(spec, role)
        if spec.name == "help":
            try:
                return "help", messages.help_blocks(_help_topic(invocation), role)
            except UsageError as exc:  # `/llm help <unknown>`
                return "usage", messages.usage(exc.message, None)
        if spec.name == "whoami":
            return "help", messages.ephemeral_ack(f"You are <@{job['user']}>, role *{role}*.")
        if spec.name in self.answerers:
            return self.answerers[spec.name](spec.name, invocation.args, job)
        self._worker.submit("change" if spec.changes else "command", job)
        return "queued", messages.queued(spec)


def _help_topic(invocation: Invocation):
    topic = invocation.args.get("command")
    if topic is None:
        return None
    return find(topic) or parse(topic).spec  # parse raises UsageError with "did you mean"


@dataclass
class Click:
    """One click from a signed block_actions payload. The clicker is body["user"]["id"], never a
    value the bot put in the message."""

    action_id: str
    value: str
    user: str
    channel: str
    response_url: str | None
    selected: list[str]  # checkboxes: the values ticked now
    message_ts: str | None

    @property
    def prefix(self) -> str:
        return self.action_id.split(":", 1)[0]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> "Click":
        action = body["actions"][0]
        return cls(
            action_id=action["action_id"],
            value=action.get("value", ""),
            user=body["user"]["id"],
            channel=(body.get("channel") or {}).get("id", ""),
            response_url=body.get("response_url"),
            selected=[o["value"] for o in action.get("selected_options") or []],
            message_ts=(body.get("container") or {}).get("message_ts"),
        )


class Buttons:
    """Routes clicks by the prefix of their action id ("approval:approve" -> routes["approval"]); a
    handler returns what to tell the clicker privately, or ''."""

    def __init__(self, store: Store, poke, clock=None):
        self._store, self._poke = store, poke
        self._clock = clock or SystemClock()
        self.routes: dict[str, Callable[[Click], str]] = {}

    def handle(self, body: dict[str, Any]) -> None:
        click = Click.from_body(body)
        handler = self.routes.get(click.prefix)
        reply = (
            handler(click)
            if handler
            else "That button belongs to an older version of llmbot; nothing changed."
        )
        if reply:
            post = Post(
                "response_url",
                click.channel,
                {"response_type": "ephemeral", "replace_original": False, "text": reply},
                click.response_url,
            )
            self._store.enqueue(post, self._clock.time())
            self._poke()


def build_bolt(signing_secret: str, client: WebClient, slash: SlashCommands, buttons: Buttons) -> App:
    app = App(
        signing_secret=signing_secret,
        client=client,
        process_before_response=True,  # ack from the listener's return: no 10 ms polling for ack
        token_verification_enabled=False,  # no auth.test at start-up: the bot starts with Slack down
        raise_error_for_unhandled_request=False,
    )

    @app.command(COMMAND)
    def on_llm(ack, command, context):
        ack(slash.handle(command, context.get("request_id", "")))

    @app.action(re.compile(r"^[a-z_]+:"))
    def on_button(ack, body):
        ack()
        buttons.handle(body)

    @app.error
    def on_error(error, body):
        ref = uuid.uuid4().hex[:8]
        log.error("unhandled error in a Slack listener", exc_info=error, extra={"ref": ref})
        return BoltResponse(
            status=200,
            body=json.dumps(messages.ephemeral_ack(messages.internal_error(ref))),
            headers={"content-type": "application/json"},
        )

    return app


def dispatch(
    app: App, body: bytes, query: str, headers: dict[str, list[str]], request_id: str
) -> BoltResponse:
    request = BoltRequest(
        body=body.decode("utf-8", errors="replace"),
        query=query,
        headers=headers,
        context={"request_id": request_id},
    )
    return app.dispatch(request)
