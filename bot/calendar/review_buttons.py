"""The buttons on the recurring reviews' posts, each acting as the person who clicked: the capacity
review's "Scale" (a scale request through the approval engine), and the model-update check's "Schedule
a window" (`/llm maintenance schedule` for the next default maintenance window) and "Start a canary
with <image>" (a `/llm canary start <image>` request through the approval engine). Values are checked
before use: a button carries what the bot wrote, but nothing is trusted for that."""

from __future__ import annotations

from typing import Callable

from bot.answers import COMMAND
from bot.interactions import Click
from bot.rbac import role_allows
from bot.state import Effects, NewJob
from commands.blockkit import code
from commands.calendar_settings import MaintenanceSettings
from commands.deps import Deps
from commands.images import image_shape
from commands.maintenance_windows import Window, default_windows
from commands.recurrence import wall
from commands.spec import CommandSpec
from commands.updates import tag_of
from integrations.registry import parse_version


class ReviewButtons:
    def __init__(
        self,
        deps: Deps,
        maintenance: MaintenanceSettings,
        clock,
        request_change,
        find: Callable[[str], CommandSpec | None],
    ):
        self._deps, self._maintenance, self._clock = deps, maintenance, clock
        self._request_change, self._find = request_change, find

    def on_scale(self, click: Click) -> Effects:
        deployment, _, replicas = click.value.partition(" ")
        if deployment not in self._deps.platform.deployments or not (
            replicas.isascii() and replicas.isdigit() and len(replicas) <= 3
        ):
            return Effects(
                reply="That button carries no valid deployment and replica count; nothing changed."
            )
        args = {"deployment": deployment, "replicas": int(replicas)}
        return self._request_change(click, "scale", args, f"scale {deployment} {replicas}")

    def on_canary(self, click: Click) -> Effects:
        image = _release(click.value)
        if image is None:
            return Effects(reply="That button carries no released image to try; nothing changed.")
        return self._request_change(click, "canary start", {"image": image}, f"canary start {image}")

    def on_window(self, click: Click) -> Effects:
        """`/llm maintenance schedule` for the next default window, as if the clicker had typed it."""
        verb = "maintenance schedule"
        spec, image = self._find(verb), _release(click.value) if click.value else None
        if spec is None or (click.value and image is None):
            return Effects(reply="That button no longer schedules anything; try `/llm maintenance schedule`.")
        if not role_allows(click.role, spec.role):
            return Effects(reply=f"`/llm {verb}` needs the {spec.role} role (yours: {click.role or 'none'}).")
        window = self._next_window()
        start, end = wall(window.start, window.zone), wall(window.end, window.zone)
        args = {
            "date": f"{start:%Y-%m-%d}",
            "span": f"{start:%H:%M}-{end:%H:%M}",
            "reason": f"model update to {image}" if image else "model update",
        }
        job = {**click.as_job(verb, f"{verb} {args['date']} {args['span']} {args['reason']}"), "args": args}
        said = f"{code('/llm ' + job['text'])} ({window.zone}) as you…"
        return Effects.of(NewJob(COMMAND, job), reply=f"Scheduling the next default window: {said}")

    def _next_window(self) -> Window:
        """The manual's next default window that has not started (the first Saturday's, by default)."""
        now = self._clock.now()
        rule = self._maintenance.window
        return next(w for w in default_windows(rule, now, 2) if w.start > now)


def _release(value: str) -> str | None:
    """An image reference whose tag is a release version (`vllm/vllm-openai:v0.5.0`), else None."""
    try:
        image = image_shape(value)
    except ValueError:
        return None
    tag = tag_of(image)
    version = parse_version(tag) if tag else None
    return image if version is not None and version.pre is None else None
