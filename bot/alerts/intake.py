"""`POST /alertmanager/webhook`: check the bearer token (Alertmanager's `http_config.authorization`),
read the version 4 body, store it with the job that applies it in one transaction, and only then
answer 200. A re-send of an unchanged group is recognised by its digest and changes nothing. No
token, a wrong one or none configured: 401; a body that is not a notification: 400."""

from __future__ import annotations

import hmac
import json
import logging

from bot import crash
from bot.alerts.payload import Unreadable, digest, group_id, parse
from bot.state import Effects, NewJob, Store
from bot.state import alerts as rows

log = logging.getLogger(__name__)

APPLY_JOB = "alert-apply"
Reply = tuple[int, list[tuple[str, str]], bytes]


def _reply(status: int, body: dict) -> Reply:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


def bearer(header: str) -> str:
    scheme, _, credentials = header.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


class WebhookIntake:
    def __init__(self, store: Store, token: str | None, counter, clock):
        self._store, self._token, self._count, self._clock = store, token or "", counter, clock
        if not self._token:
            log.error(
                "alertmanager.webhook_token is not set: POST /alertmanager/webhook refuses every delivery "
                "with 401. Set it (or LLMBOT_ALERTMANAGER_TOKEN) to the receiver's bearer credentials."
            )

    def __call__(self, headers: dict[str, str], body: bytes) -> Reply:
        if not self._authorized(headers.get("authorization", "")):
            return _reply(401, {"error": "unauthorized"})
        try:
            notification = parse(body)
        except Unreadable as exc:
            log.warning("Alertmanager webhook refused: not a notification", extra={"why": str(exc)})
            self._count.labels("unreadable").inc()
            return _reply(400, {"error": "not an Alertmanager version 4 notification"})
        group, now = group_id(notification.group_key), self._clock.time()
        fx = Effects.of(
            rows.receive(group, digest(notification), body.decode("utf-8", "replace"), now),
            NewJob(APPLY_JOB, {"group": group}),
        )
        fresh = self._store.commit(fx, now) is not None
        crash.point("alerts.after_store")
        self._count.labels("accepted" if fresh else "duplicate").inc()
        return _reply(200, {"status": "accepted" if fresh else "duplicate"})

    def _authorized(self, header: str) -> bool:
        given = bearer(header)
        if self._token and given and hmac.compare_digest(given.encode(), self._token.encode()):
            return True
        why = "no token configured" if not self._token else "no bearer token" if not given else "wrong token"
        log.warning("Alertmanager webhook refused", extra={"outcome": "unauthorized", "why": why})
        self._count.labels("unauthorized").inc()
        return False
