"""How a `/llm` verb is declared: its words, arguments, options, help, required role, and the
functions behind it. Command modules declare their own specs; bot/registry.py lists them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    kind: Literal["str", "int"] = "str"
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    rest: bool = False  # the last argument takes every remaining word: a free-text reason


@dataclass(frozen=True)
class Option:
    name: str  # without the leading "--"
    help: str
    kind: Literal["flag", "str", "int"] = "flag"


@dataclass(frozen=True)
class FileOut:
    """A file a command's answer carries (long listings, CSV exports, reports): uploaded in the
    answer's thread rather than cut to fit a message."""

    filename: str
    title: str
    content: str | bytes  # text (CSV, Markdown) or binary (PNG)


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
    files: Callable[[Any], list[FileOut]] | None = None  # uploads that go with the answer
    # change commands (changes=True): plan(args, deps) -> ChangePlan, then after approval
    # apply(plan, deps, progress) -> ChangeOutcome
    plan: Callable[..., Any] | None = None
    apply: Callable[..., Any] | None = None
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


DRY_RUN = Option("dry-run", "show what would change; change nothing")
