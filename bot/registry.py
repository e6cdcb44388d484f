"""The `/llm` verbs as data: name, arguments, help, example, required role, whether it changes
anything, and the command functions behind it. `/llm help`, parsing and RBAC are all driven from here."""

from __future__ import annotations

from commands import (
    backup,
    backup_list,
    canary,
    cost,
    deploy,
    drain,
    gpu,
    gpu_export,
    guardrails,
    incidents,
    index,
    logs,
    maintenance,
    nodes,
    restore,
    scale,
    schedule_list,
    security,
    status,
    waste,
    weekly,
)
from commands.spec import Arg, CommandSpec

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
    CommandSpec(
        name="approvals",
        summary="List the changes waiting for approval",
        example="/llm approvals",
    ),
    CommandSpec(
        name="approvals cancel",
        summary="Cancel a change you asked for while it waits for approval",
        example="/llm approvals cancel 12",
        role="operator",
        args=(Arg("id", "the request number shown on its card", kind="int", minimum=1),),
    ),
    scale.SPEC,
    *deploy.SPECS,
    *canary.SPECS,
    nodes.SPEC,
    *cost.SPECS,
    waste.SPEC,
    gpu.SPEC,
    gpu_export.SPEC,
    *guardrails.SPECS,
    logs.SPEC,
    security.SPEC,
    *maintenance.SPECS,
    *drain.SPECS,
    weekly.SPEC,
    schedule_list.SPEC,
    *incidents.SPECS,
    backup.SPEC,
    backup_list.SPEC,
    restore.SPEC,
    index.SPEC,
)


def find(name: str) -> CommandSpec | None:
    for spec in COMMANDS:
        if spec.name == name or name in spec.aliases:
            return spec
    return None


def role_allows(role: str | None, required: str) -> bool:
    return role is not None and ROLES.index(role) >= ROLES.index(required)
