"""Who is who between Slack and PagerDuty: a Slack user's PagerDuty login (the config map, else their
Slack profile email, read once) and the Slack user behind a PagerDuty email. Looked up in jobs only:
reading a Slack profile is a network call."""

from __future__ import annotations

import threading

from integrations.errors import IntegrationError


class People:
    def __init__(self, mapped: dict[str, str], slack):
        self._mapped, self._slack = dict(mapped), slack  # Slack user id -> PagerDuty email
        self._learned: dict[str, str] = {}
        self._lock = threading.Lock()

    def email_of(self, user: str) -> str:
        """The PagerDuty login to act as for `user`, or IntegrationError saying why there is none."""
        with self._lock:
            known = self._mapped.get(user) or self._learned.get(user)
        if known:
            return known
        try:
            email = self._slack.users_info(user=user)["user"]["profile"].get("email", "")
        except Exception as exc:  # slack_sdk errors: we cannot tell PagerDuty who this is
            raise IntegrationError(
                "slack", f"could not read your profile email ({type(exc).__name__})"
            ) from None
        if not email:
            raise IntegrationError(
                "pagerduty",
                "your Slack profile has no email; ask an admin to map you in oncall.pagerduty_emails",
            )
        with self._lock:
            self._learned[user] = email
        return email

    def user_of(self, email: str) -> str:
        """The Slack user id behind a PagerDuty email, when the bot knows it; '' otherwise."""
        with self._lock:
            known = {**self._learned, **self._mapped}
        return next((user for user, mapped in known.items() if mapped.lower() == email.lower()), "")
