"""The `/llm` verbs as data: name, arguments, help, example, required role, whether it changes
anything, and the command functions behind it. `/llm help`, parsing and RBAC are all driven from here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from commands import status

ROLES = ("viewer", "operator", "approver")


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    kind: Literal["str", "int"] = "str"
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: int | None = None


@dataclass(frozen=True)
class Option:
    name: str  # without the leading "--"
    help: str
    kind: Literal["flag", "str", "int"] = "flag"


@dataclass(frozen=True)
class CommandSpec:
    name: str  # one or more words: "status", "canary start"
    summary: str
    example: str
    role: str = "viewer"
    changes: bool = False
    args: tuple[Arg, ...] = ()
    options: tuple[Option, ...] = ()
    run: Callable[..., Any] | None = None  # run(request: dict, deps) -> result
    render: Callable[[Any], list[dict]] | None = None  # Block Kit
    render_text: Callable[[Any], str] | None = None  # terminal
    details: str = ""
    aliases: tuple[str, ...] = field(default=())

    @property
    def usage(self) -> str:
        parts = [f"/llm {self.name}"]
        for arg in self.args:
            label = "|".join(arg.choices) if arg.choices else arg.name
            parts.append(f"<{label}>" if arg.required else f"[{label}]")
        for opt in self.options:
            parts.append(f"[--{opt.name}]" if opt.kind == "flag" else f"[--{opt.name} {opt.kind.upper()}]")
        return " ".join(parts)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        name="help",
        summary="List the commands, or explain one",
        example="/llm help status",
        args=(Arg("command", "a command to explain", required=False),),
    ),
    CommandSpec(
        name="status",
        summary="The morning health check: pods, nodes, alerts, cost, error rate, latency, GPUs",
        example="/llm status",
        details="Each line is ✅ met, ⚠️ not met, ❌ failing, or ❔ when its source did not answer in time.",
        run=status.run,
        render=status.render,
        render_text=status.render_text,
    ),
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
