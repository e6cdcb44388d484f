"""The Slack adapter: a Bolt app whose `/llm` listener answers help, usage and refusals inside the
ack and hands real work to the worker. Nothing here waits on a backend, so the ack stays in
milliseconds. The only module that imports slack_bolt."""
from __future__ import annotations

import logging
import re
import time
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import approval_card, messages
from bot.approvals import Approvals
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

    def __init__(self, store: Store, rbac: Rbac, worker: Worker, metrics: Metrics, approvals: Approvals, clock=None):
        self._store, self._rbac, self._worker, self._metrics = store, rbac, worker, metrics
        self._approvals = approvals
        self._clock = clock or SystemClock()

    def handle(self, command: dict[str, Any], request_id: str = "") -> dict[str, Any]:
        started = time.perf_counter()
        job = {"user": command.get("user_id", ""), "channel": command.get("channel_id", ""),
               "text": command.get("text", "")[:1000], "response_url": command.get("response_url"),
               "request_id": request_id}
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
        if spec.name == "approvals":
            return "ok", messages.ephemeral_ack(self._approvals.pending_text())
        if spec.name == "approvals cancel":
            return "ok", messages.ephemeral_ack(self._approvals.cancel(invocation.args["id"], job["user"]))
        self._worker.submit("change" if spec.changes else "command", job)
        return "queued", messages.queued(spec)


def _help_topic(invocation: Invocation):
    topic = invocation.args.get("command")
    if topic is None:
        return None
    return find(topic) or parse(topic).spec  # parse raises UsageError with "did you mean"


class Buttons:
    """Clicks on the bot's buttons, from the signed block_actions payload: the clicker is
    body["user"]["id"], never a value the bot put in the message."""

    def __init__(self, store: Store, rbac: Rbac, worker: Worker, approvals: Approvals, poke, clock=None):
        self._store, self._rbac, self._worker, self._approvals, self._poke = store, rbac, worker, approvals, poke
        self._clock = clock or SystemClock()

    def handle(self, body: dict[str, Any]) -> None:
        action = body["actions"][0]
        user, channel = body["user"]["id"], (body.get("channel") or {}).get("id", "")
        reply = self._reply(action["action_id"], action.get("value", ""), user, channel, body)
        if reply:
            post = Post("response_url", channel, {"response_type": "ephemeral", "replace_original": False,
                                                  "text": reply}, body.get("response_url"))
            self._store.enqueue(post, self._clock.time())
            self._poke()

    def _reply(self, action_id: str, value: str, user: str, channel: str, body: dict) -> str:
        if action_id in (approval_card.APPROVE, approval_card.REJECT):
            if not value.isdigit():
                return "That button is broken: no request number."
            decision = "approve" if action_id == approval_card.APPROVE else "reject"
            return self._approvals.decide(int(value), user, decision)
        if action_id == approval_card.ROLLBACK:
            return self._rollback(value, user, channel, body)
        return ""

    def _rollback(self, deployment: str, user: str, channel: str, body: dict) -> str:
        spec = find("rollback")
        role = self._rbac.role_of(user)
        if spec is None or not role_allows(role, spec.role):
            return f"Rolling back needs the {spec.role if spec else 'operator'} role (yours: {role or 'none'})."
        self._worker.submit("change", {"user": user, "channel": channel, "verb": "rollback",
                                       "args": {"deployment": deployment}, "text": f"rollback {deployment}",
                                       "response_url": body.get("response_url"), "request_id": ""})
        return f"Asking for approval to roll back {deployment}…"


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

    @app.action(re.compile(r"^(approval|rollout):"))
    def on_button(ack, body):
        ack()
        buttons.handle(body)

    @app.error
    def on_error(error, body):
        log.error("unhandled error in a Slack listener", exc_info=error)
        return BoltResponse(status=200, body="")

    return app


def dispatch(app: App, body: bytes, query: str, headers: dict[str, list[str]], request_id: str) -> BoltResponse:
    request = BoltRequest(body=body.decode("utf-8", errors="replace"), query=query, headers=headers,
                          context={"request_id": request_id})
    return app.dispatch(request)
