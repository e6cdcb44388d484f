"""The Logs / Events / Describe buttons on a problem's message: each starts the read-only command
("logs pod", "events", "describe") as a "command" job that answers in the message's thread. The
button names its problem row; the pod, node or Deployment to look at is read from the row now."""

from __future__ import annotations

import re
from typing import Any, Callable

from bot.answers import COMMAND
from bot.interactions import Click
from bot.rbac import role_allows
from bot.state import Effects, NewJob, Store
from bot.state.kube_problems import KubeProblem
from bot.watch import card
from bot.watch.problems import REASONS
from commands.blockkit import code
from commands.spec import CommandSpec

KINDS = ("Deployment", "Pod", "Node")
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
CRASHED = ("CrashLoopBackOff", "OOMKilled")  # their logs are the container instance that ended


def reference(value: str) -> tuple[str, str, str] | None:
    """(kind, name, reason) from a button's "Kind/name|Reason"; None for anything else."""
    target, _, reason = value.partition("|")
    kind, _, name = target.partition("/")
    if kind not in KINDS or reason not in REASONS or not NAME.match(name):
        return None
    return kind, name, reason


def target(action_id: str, problem: KubeProblem) -> tuple[str, dict[str, Any], str] | None:
    """(verb, args, the command as typed) the button runs for this problem; None: nothing to look at."""
    if action_id == card.EVENTS:
        return "events", {"object": problem.name}, f"events {problem.name}"
    if action_id == card.DESCRIBE:
        kind, name = ("node", problem.name) if problem.kind == "Node" else ("pod", problem.pod)
        if not name:
            kind, name = (
                ("deployment", problem.name) if problem.kind == "Deployment" else ("pod", problem.name)
            )
        return "describe", {"kind": kind, "name": name}, f"describe {kind} {name}"
    if problem.kind == "Node" or not problem.pod:
        return None
    previous = problem.reason in CRASHED
    args = {"name": problem.pod, "previous": previous}
    return "logs pod", args, f"logs pod {problem.pod}" + (" --previous" if previous else "")


class ProblemButtons:
    def __init__(self, store: Store, channel: str, find: Callable[[str], CommandSpec | None]):
        self._store, self._channel, self._find = store, channel, find

    def on_click(self, click: Click) -> Effects:
        ref = reference(click.value)
        problem = self._store.kube_problem(*ref) if ref else None
        if problem is None:
            return Effects(reply="That message belongs to a problem the bot no longer knows; nothing ran.")
        found = target(click.action_id, problem)
        spec = self._find(found[0]) if found else None
        if found is None or spec is None:
            return Effects(reply="There is nothing to look at from this button for that problem.")
        verb, args, text = found
        if not role_allows(click.role, spec.role):
            return Effects(
                reply=f"{code('/llm ' + verb)} needs the {spec.role} role (yours: {click.role or 'none'})."
            )
        job = {**click.as_job(verb, text), "args": args, "channel": self._channel, "thread_key": problem.key}
        return Effects.of(NewJob(COMMAND, job), reply=f"Running {code('/llm ' + text)} into the thread…")
