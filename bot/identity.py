"""Who the bot is in Slack, asked once at start-up (auth.test) with retries in the background and never
again per request: a Slack outage at start-up delays what needs the answer, it never loses a slash
command or a click. Readiness reports whether the token has been confirmed."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

RETRY_SECONDS = (1, 2, 5, 10, 30, 60)


class Identity:
    def __init__(self, slack, clock):
        self._slack, self._clock = slack, clock
        self._known: dict[str, str] = {}
        self._refused = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._check, name="auth-test", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def get(self) -> dict[str, str]:
        return dict(self._known)

    def readiness(self) -> dict[str, str]:
        """Reported by /readyz without failing it: a pod that cannot reach Slack still takes requests."""
        state = (
            "confirmed"
            if self._known
            else f"refused: {self._refused}"
            if self._refused
            else "not yet checked"
        )
        return {"slack_token": state}

    def _check(self) -> None:
        attempt = 0
        while not self._stop.is_set() and not self._known:
            try:
                answer = self._slack.auth_test()
                self._known = {
                    "user_id": answer.get("user_id", ""),
                    "bot_id": answer.get("bot_id", ""),
                    "team_id": answer.get("team_id", ""),
                }
                self._refused = ""
                log.info("Slack token confirmed", extra={"bot_user": self._known["user_id"]})
            except Exception as exc:  # Slack down or the token refused: say so, keep serving, try again
                self._refused = getattr(getattr(exc, "response", None), "get", lambda *_: "")("error") or ""
                log.warning(
                    "Slack token not confirmed yet", extra={"error": self._refused or type(exc).__name__}
                )
                self._stop.wait(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
                attempt += 1
