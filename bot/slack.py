"""The Slack adapter: a Bolt app whose `/llm` listener answers help, usage, refusals and the engines'
in-ack verbs inside the ack and commits real work as a job row; clicks are matched exactly against
the engines' button table. Nothing here waits on a backend, so the ack stays in milliseconds. The only
module that imports slack_bolt."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
import uuid
from typing import Any, Callable, Mapping
from urllib.parse import unquote

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot import messages
from bot.errors import describe
from bot.interactions import Asked, Click
from bot.metrics import Metrics
from bot.rbac import Rbac, role_allows
from bot.registry import Registry
from bot.router import Invocation, UsageError, parse
from bot.state import Effects, NewJob, Post, Store, Write
from bot.state.outbox import ANSWER
from bot.state.requests import replayed
from commands.blockkit import code, escape, mention
from commands.errors import CommandError
from commands.spec import build_request

log = logging.getLogger(__name__)

COMMAND = "/llm"
Verb = Callable[[Asked], Effects]
Button = Callable[[Click], Effects]


class SlashCommands:
    """`/llm` from parse to ack."""

    def __init__(
        self, store: Store, rbac: Rbac, registry: Registry, verbs: Mapping[str, Verb], metrics: Metrics, clock
    ):
        self._store, self._rbac, self._registry, self._verbs = store, rbac, registry, dict(verbs)
        self._metrics, self._clock = metrics, clock
        # `/llm help` per role, as its ack and that ack's JSON: the registry never changes
        self._listings: dict[str | None, tuple[dict[str, Any], str]] = {}

    def handle(
        self, command: dict[str, Any], request_id: str = "", sighting: tuple[Write, ...] = ()
    ) -> dict[str, Any] | None:
        """The ack for `command`. `sighting` (Store.sighting: the request's signature, recorded once)
        commits with the command's own effects, so a replay is refused exactly when the first one
        acted; None when this request is such a replay (nothing done)."""
        started = time.perf_counter()
        job = {
            "user": str(command.get("user_id", "")),
            "channel": str(command.get("channel_id", "")),
            "text": str(command.get("text", ""))[:1000],
            "response_url": command.get("response_url"),
            "request_id": request_id,
        }
        try:
            return self._ack(job, str(command.get("text", "")), list(sighting), started)
        except sqlite3.IntegrityError as error:
            if replayed(error):  # raised by the sighting's insert, before anything was committed
                return None
            raise

    def _ack(self, job: dict[str, Any], text: str, pending: list[Write], started: float) -> dict[str, Any]:
        outcome, ack, fx = self._answer(text, job, pending)  # an in-ack verb's step takes `pending` along
        audit = fx.audit
        if outcome != "queued":  # queued work is audited by the worker when it ends
            audit += (messages.audit_entry(self._clock.now(), job, outcome, time.perf_counter() - started),)
        fx = Effects(tuple(pending) + fx.writes, fx.posts, fx.jobs, fx.timers, audit, fx.reply)
        done = fx.empty or self._store.commit(fx, self._clock.time()) is not None
        self._metrics.acks.labels("slash", outcome).inc()
        if not done:
            return messages.ephemeral_ack(
                "Someone else changed that a moment ago; nothing changed. Try again."
            )
        return ack

    def _answer(
        self, text: str, job: dict[str, Any], pending: list[Write]
    ) -> tuple[str, dict[str, Any], Effects]:
        try:
            invocation = parse(text, self._registry)
        except UsageError as exc:  # the router quotes what was typed: inert before it reaches mrkdwn
            job["verb"] = "?"
            return "usage", messages.usage(escape(exc.message), exc.spec), Effects()
        spec, role = invocation.spec, self._rbac.role_of(job["user"])
        job.update(verb=spec.name, args=invocation.args)
        if not role_allows(role, spec.role):
            return "refused", messages.refused(spec, role), Effects()
        if spec.name in ("help", "whoami"):
            return self._help(invocation, role, job)
        try:  # the typed request, validated here so a mistake is answered in the ack
            if spec.run or spec.plan:
                build_request(spec, invocation.args, job["user"])
        except CommandError as exc:
            return "usage", messages.usage(exc.message, spec), Effects()
        if spec.name in self._verbs:
            return self._in_ack(spec.name, invocation, role, job, pending)
        kind = "change" if spec.changes else "command"
        return "queued", messages.queued(spec), Effects.of(NewJob(kind, job))

    def _help(self, invocation: Invocation, role: str | None, job: dict) -> tuple[str, dict, Effects]:
        if invocation.spec.name == "whoami":
            allowed = [s.name for s in self._registry.specs if role_allows(role, s.role)]
            text = f"You are {mention(job['user'])}, role *{role}*. You may run: " + ", ".join(
                code(n) for n in allowed
            )
            return "help", messages.ephemeral_ack(text[:3000]), Effects()
        topic = invocation.args.get("command")
        if topic is None:
            return "help", self._listing(role)[0], Effects()
        try:
            return "help", messages.ephemeral_ack(self._help_text(topic, role)), Effects()
        except UsageError as exc:  # `/llm help <unknown>`
            return "usage", messages.usage(escape(exc.message), None), Effects()

    def _listing(self, role: str | None) -> tuple[dict[str, Any], str]:
        if role not in self._listings:
            ack = messages.ephemeral_ack(messages.help_text(None, role, self._registry.specs))
            self._listings[role] = (ack, json.dumps(ack))
        return self._listings[role]

    def encoded(self, ack: dict[str, Any]) -> str:
        """json.dumps(ack); a listing's JSON is kept (the same ack object each time it is answered)."""
        for listing, text in self._listings.values():
            if ack is listing:
                return text
        return json.dumps(ack)

    def _help_text(self, topic: str, role: str | None) -> str:
        family = self._registry.family(topic.lower())
        spec = self._registry.find(topic.lower())
        if spec is None and family:
            return messages.help_text(None, role, family)
        return messages.help_text(spec or parse(topic, self._registry).spec, role, self._registry.specs)

    def _in_ack(
        self, verb: str, invocation: Invocation, role: str | None, job: dict, pending: list[Write]
    ) -> tuple[str, dict, Effects]:
        asked = Asked(
            verb=verb,
            args=invocation.args,
            user=job["user"],
            channel=job["channel"],
            text=job["text"],
            response_url=job["response_url"],
            request_id=job["request_id"],
            role=role,
            job=job,
        )

        def step() -> Effects:
            fx = self._verbs[verb](asked)
            return Effects(tuple(pending) + fx.writes, fx.posts, fx.jobs, fx.timers, fx.audit, fx.reply)

        try:
            fx, done = self._store.run_step(step, self._clock.time())
        except Exception as exc:
            if replayed(exc):
                raise  # handle() answers it as the replay it is
            said = describe(exc, "in-ack verb", verb=verb)
            return (
                said.outcome,
                messages.usage(said.text, invocation.spec)
                if said.outcome == "usage"
                else messages.ephemeral_ack(said.text),
                Effects(),
            )
        if done is None:
            return (
                "conflict",
                messages.ephemeral_ack("Someone else changed that a moment ago; try again."),
                Effects(),
            )
        pending.clear()  # the signature is recorded with the verb's effects
        return ("queued" if fx.jobs else "ok"), messages.ephemeral_ack(fx.reply or "Done."), Effects()


class Buttons:
    """Routes clicks by their exact action id; anything else is refused and logged. A handler runs inside
    one transaction and returns Effects; its reply goes privately to the clicker with them."""

    def __init__(self, store: Store, rbac: Rbac, table: Mapping[str, Button], clock):
        self._store, self._rbac, self._table, self._clock = store, rbac, dict(table), clock

    def handle(self, body: dict[str, Any]) -> None:
        click = Click.from_body(body, self._rbac.role_of(str(body["user"]["id"])))
        handler = self._table.get(click.action_id)
        if handler is None:
            log.warning("click on an unknown action id refused", extra={"action_id": click.action_id[:64]})
            fx = Effects(
                reply="That button is not one llmbot knows (an older version's, perhaps); nothing changed."
            )
            self._store.commit(self._told(click, fx), self._clock.time())
            return
        try:
            self._store.run_step(lambda: self._told(click, handler(click)), self._clock.time())
        except Exception as exc:
            said = describe(exc, "button", action_id=click.action_id)
            self._store.commit(self._told(click, Effects(reply=said.text)), self._clock.time())

    @staticmethod
    def _told(click: Click, fx: Effects) -> Effects:
        if not fx.reply:
            return fx
        body = {"response_type": "ephemeral", "replace_original": False, "text": fx.reply}
        return fx + Effects.of(Post("response_url", click.channel, body, click.response_url, priority=ANSWER))


class SlackApp(App):
    """Bolt, except that a `/llm` slash command is answered without Bolt's per-request machinery (its
    context, a WebClient per request, the middleware chain, kwargs injection): the same listener body
    and error handler, the same BoltResponse, for a third of the CPU. Everything else goes through Bolt.
    Only a body Bolt would read as a `/llm` command and hand to `on_llm` takes the short way."""

    def __init__(self, slash: SlashCommands, **kwargs):
        super().__init__(**kwargs)
        self.slash = slash
        self.on_error: Callable[[Exception, dict], BoltResponse] | None = None

    def answer_slash(
        self, command: dict[str, str], request_id: str, sighting: tuple[Write, ...] = ()
    ) -> BoltResponse | None:
        """What Bolt would answer `command` with; None for a replay (see SlashCommands.handle)."""
        try:
            ack = self.slash.handle(command, request_id, sighting)
        except Exception as exc:  # what Bolt's listener runner does with a failing listener
            return self.on_error(exc, command)
        return None if ack is None else BoltResponse(status=200, body=self.slash.encoded(ack))


def build_bolt(
    signing_secret: str,
    client: WebClient,
    slash: SlashCommands,
    buttons: Buttons,
    identity: Callable[[], dict[str, str]] = dict,
) -> App:
    def authorize(enterprise_id=None, team_id=None, **_):
        """The bot's own token, known at start-up: Bolt's lazy auth.test per process would answer
        "Please reinstall this app" (and lose the request) if Slack's API were down at that moment."""
        me = identity()
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=client.token,
            bot_user_id=me.get("user_id"),
            bot_id=me.get("bot_id"),
        )

    app = SlackApp(
        slash,
        signing_secret=signing_secret,
        client=client,
        authorize=authorize,
        process_before_response=True,  # ack from the listener's return: no 10 ms polling for ack
        token_verification_enabled=False,  # no auth.test at start-up: the bot starts with Slack down
        request_verification_enabled=False,  # bot.server verified the raw bytes before anything parsed them
        ignoring_self_events_enabled=False,
        raise_error_for_unhandled_request=False,
    )

    @app.command(COMMAND)
    def on_llm(ack, command, context):
        ack(slash.handle(command, context.get("request_id", "")))

    @app.action(re.compile(".*"))  # every click; Buttons matches the exact id and refuses the rest
    def on_button(ack, body):
        ack()
        buttons.handle(body)

    @app.error
    def on_error(error, body):
        ref = uuid.uuid4().hex[:8]
        log.error("unhandled error in a Slack listener", exc_info=error, extra={"ref": ref})
        said = messages.ephemeral_ack(f"💥 Something went wrong on our side (reference `{ref}`).")
        return BoltResponse(status=200, body=json.dumps(said), headers={"content-type": "application/json"})

    app.on_error = on_error
    return app


def dispatch(
    app: App, body: bytes, query: str, headers: dict[str, list[str]], request_id: str
) -> BoltResponse:
    """Bolt's answer to a signed request; 400 for a body that is no Slack payload at all (not a form or
    JSON object, or a `payload` field that is not a JSON object), which Bolt's parser would raise on."""
    try:
        request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=query,
            headers=headers,
            context={"request_id": request_id},
        )
    except (ValueError, AttributeError, TypeError):  # not JSON, or JSON that is not an object
        request = None
    if request is None or not isinstance(request.body, dict):
        log.warning("signed Slack request with an unreadable body", extra={"bytes": len(body)})
        return BoltResponse(status=400, body='{"error": "unreadable Slack payload"}')
    return app.dispatch(request)


def slash_command(app: App, body: bytes, headers: dict[str, list[str]]) -> dict[str, str] | None:
    """The form of a `/llm` command for SlackApp.answer_slash, exactly when Bolt would parse the body as
    a form (not JSON, no `payload` field: bolt.request.internals.parse_body) and route it to on_llm (not
    an ssl_check or url_verification, which Bolt's middleware answers first); else None."""
    if not isinstance(app, SlackApp):
        return None
    text = body.decode("utf-8", errors="replace")
    content_type = (headers.get("content-type") or [None])[0]
    if not text or (content_type and content_type.split(";")[0] == "application/json"):
        return None
    if text.startswith("{") or "payload" in text:
        return None
    form = _form(text)
    if form.get("command") != COMMAND or "ssl_check" in form or form.get("type") == "url_verification":
        return None
    return form


def _form(text: str) -> dict[str, str]:
    """dict(urllib.parse.parse_qsl(text, keep_blank_values=True)), as Bolt reads a form, without its
    per-field overhead: a part with neither `%` nor `+` is taken as it is."""
    form = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            if "%" in name or "+" in name:
                name = unquote(name.replace("+", " "))
            if "%" in value or "+" in value:
                value = unquote(value.replace("+", " "))
            form[name] = value
    return form
