"""The `/llm` verbs as data: name, arguments, help, example, required role, whether it changes
anything, and the command functions behind it. `/llm help`, parsing and RBAC are all driven from here."""
from __future__ import annotations

from commands import status
from commands.spec import Arg, CommandSpec, Option

ROLES = ("viewer", "operator", "approver")


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        name="help",
        summary="List the commands, or explain one",
        example="/llm help status",
        args=(Arg("command", "a command to explain", required=False),),
    ),
    status.SPEC,
    CommandSpec(
        name="whoami",
        summary="Show your role and what it allows",
        example="/llm whoami",
    ),
)


def find(name: str) -> CommandSpec | None:
    for spec in COMMANDS:
        if spec.name == name or name in spec.aliases:
            return spec
    return None


def role_allows(role: str | None, required: str) -> bool:
    return role is not None and ROLES.index(role) >= ROLES.index(required)
