"""The `/llm` verbs as data: the commands' own specs listed here, plus the verbs engines answer (they
bring their specs in their Plugs). `/llm help`, parsing and RBAC are all driven from one Registry,
built once at start-up, which refuses a duplicate name and a spec nobody handles."""

from __future__ import annotations

from typing import Iterable

from commands import (
    backup,
    backup_list,
    canary,
    cost,
    deploy,
    describe,
    drain,
    events,
    gpu,
    gpu_export,
    guardrails,
    guardrails_config,
    index,
    logs,
    logs_pod,
    maintenance,
    nodes,
    pods,
    restart,
    restore,
    scale,
    scale_down,
    schedule_list,
    security,
    status,
    updates,
    vulnerabilities,
    waste,
    weekly,
)
from commands.spec import Arg, CommandSpec

HELP = CommandSpec(
    name="help",
    summary="List the commands, or explain one",
    example="/llm help status",
    args=(Arg("command", "a command to explain", required=False, rest=True),),
)
WHOAMI = CommandSpec(name="whoami", summary="Show your role and what it allows", example="/llm whoami")
RUNTIME = (HELP, WHOAMI)  # answered by the Slack adapter itself

COMMANDS: tuple[CommandSpec, ...] = (
    status.SPEC,
    scale.SPEC,
    *deploy.SPECS,
    *canary.SPECS,
    nodes.SPEC,
    scale_down.SPEC,
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
    backup.SPEC,
    backup_list.SPEC,
    restore.SPEC,
    index.SPEC,
    pods.SPEC,
    events.SPEC,
    describe.SPEC,
    logs_pod.SPEC,
    restart.SPEC,
    *guardrails_config.SPECS,
    updates.SPEC,
    vulnerabilities.SPEC,
)


class UnhandledSpec(ValueError):
    """A verb is declared but nothing would answer it."""


class Registry:
    def __init__(self, specs: Iterable[CommandSpec]):
        self.specs: tuple[CommandSpec, ...] = tuple(specs)
        self._by_name: dict[str, CommandSpec] = {}
        for spec in self.specs:
            for name in (spec.name, *spec.aliases):
                if name in self._by_name:
                    raise UnhandledSpec(f"`{name}` is declared twice")
                self._by_name[name] = spec

    def check(self, plugs) -> None:
        """Every verb has exactly one handler: its own functions, an engine's in-ack verb or the adapter's."""
        answered = {*plugs.verbs, *(s.name for s in RUNTIME)}
        for spec in self.specs:
            own = bool(spec.run or (spec.plan and spec.apply))
            if own == (spec.name in answered):
                raise UnhandledSpec(f"`/llm {spec.name}` has {'two handlers' if own else 'no handler'}")
        missing = [s.name for s in plugs.specs if self.find(s.name) is not s]
        if missing:
            raise UnhandledSpec(f"plugged specs missing from the registry: {', '.join(missing)}")

    def find(self, name: str) -> CommandSpec | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def family(self, word: str) -> list[CommandSpec]:
        """The verbs that start with `word` ("canary" -> canary start, status, promote, abort)."""
        return [spec for spec in self.specs if spec.name.split()[0] == word and spec.name != word]
