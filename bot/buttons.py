"""Clicks, routed by their exact action id to the engines' handlers; an unknown id is refused and
logged. Each handler runs in one transaction; its reply goes privately to the clicker."""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from bot.errors import describe
from bot.interactions import Click
from bot.rbac import Rbac
from bot.state import Effects, Post, Store
from bot.state.outbox import ANSWER

log = logging.getLogger(__name__)

Button = Callable[[Click], Effects]


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
