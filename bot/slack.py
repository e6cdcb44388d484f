"""The Slack adapter: a Bolt app whose `/llm` listener is bot.slash.SlashCommands and whose clicks go to
bot.buttons.Buttons, with a short way for `/llm` that skips Bolt's per-request machinery, and reading
a signed body as Bolt would. The only module that imports slack_bolt."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Callable
from urllib.parse import unquote

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot import messages
from bot.buttons import Buttons
from bot.slash import SlashCommands
from bot.state import Write

log = logging.getLogger(__name__)

COMMAND = "/llm"


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
