"""Who may do what: Slack user ids and user-group ids mapped to roles viewer < operator < approver.
Group membership is read from a cache the worker refreshes, so checking a role never waits on Slack."""

from __future__ import annotations

import threading

from bot.config import RbacSettings

ROLES = ("viewer", "operator", "approver")


def role_allows(role: str | None, required: str) -> bool:
    return role is not None and ROLES.index(role) >= ROLES.index(required)


class Rbac:
    def __init__(self, settings: RbacSettings):
        self._settings = settings
        self._members: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    @property
    def groups(self) -> list[str]:
        return list(self._settings.groups)

    def set_members(self, group: str, users: list[str]) -> None:
        with self._lock:
            self._members[group] = frozenset(users)

    def is_member(self, user: str, group: str) -> bool:
        with self._lock:
            return user in self._members.get(group, ())

    def role_of(self, user: str) -> str | None:
        roles = [self._settings.users.get(user)]
        with self._lock:
            roles += [
                role for group, role in self._settings.groups.items() if user in self._members.get(group, ())
            ]
        known = [r for r in roles if r]
        if not known:
            return self._settings.default_role
        return max(known, key=ROLES.index)
