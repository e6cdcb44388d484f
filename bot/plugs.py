"""How an engine plugs into the runtime: the job kinds, timer kinds, buttons (exact action ids), in-ack
verbs and slash specs it handles, HTTP routes it serves and what it does at start. The composition root
merges every engine's Plugs and refuses a duplicate, so each name has exactly one handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from commands.spec import CommandSpec


@dataclass(frozen=True)
class Plugs:
    jobs: Mapping[str, Callable] = field(default_factory=dict)  # kind -> (Job) -> JobResult
    timers: Mapping[str, Callable] = field(default_factory=dict)  # kind -> (Timer, late) -> Effects
    buttons: Mapping[str, Callable] = field(default_factory=dict)  # action id -> (Click) -> Effects
    verbs: Mapping[str, Callable] = field(default_factory=dict)  # verb -> (Asked) -> Answer, inside the ack
    specs: tuple[CommandSpec, ...] = ()  # the verbs above, as the router and `/llm help` know them
    routes: Mapping[tuple[str, str], Callable] = field(default_factory=dict)  # (method, path) -> HTTP handler
    on_start: tuple[Callable[[], Any], ...] = ()  # resume what a previous run left half done


class DuplicatePlug(ValueError):
    """Two engines claim the same job kind, timer kind, action id, verb or route."""


def merge(*parts: Plugs) -> Plugs:
    merged: dict[str, dict] = {name: {} for name in ("jobs", "timers", "buttons", "verbs", "routes")}
    specs: dict[str, CommandSpec] = {}
    for part in parts:
        for name, table in merged.items():
            _add(table, getattr(part, name), name)
        _add(specs, {spec.name: spec for spec in part.specs}, "specs")
    return Plugs(**merged, specs=tuple(specs.values()), on_start=tuple(f for p in parts for f in p.on_start))


def _add(into: dict, items: Mapping, what: str) -> None:
    for key, value in items.items():
        if key in into:
            raise DuplicatePlug(f"{what}: {key!r} is plugged twice")
        into[key] = value
