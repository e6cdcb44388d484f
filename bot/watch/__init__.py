"""The Kubernetes watch engine: pods and Warning events in the platform namespace and the nodes,
followed by one thread per kind, turned into problems (CrashLoopBackOff, OOMKilled, ImagePullBackOff,
FailedScheduling, Evicted, a node NotReady or under pressure, a GPU node leaving), each one message in
the alerts channel that is updated as it recurs and resolved in place. `build` makes it; `wire`
says what it plugs into the runtime (its buttons); the app starts and stops its threads."""

from __future__ import annotations

from typing import Callable

from bot.config import Settings
from bot.plugs import Plugs
from bot.state import Store
from bot.watch import card
from bot.watch.buttons import ProblemButtons
from bot.watch.engine import Problems
from bot.watch.follow import Watching
from bot.watch.ledger import Ledger
from commands.spec import CommandSpec


def build(store: Store, settings: Settings, kube, clock) -> Watching:
    namespace, watch = settings.platform.namespace, settings.watch
    ledger = Ledger(store, watch, settings.slack.alerts_channel, namespace, clock)
    return Watching(store, Problems(store, ledger, watch.gpu_label, clock), kube, namespace, watch, clock)


def wire(store: Store, settings: Settings, find: Callable[[str], CommandSpec | None]) -> Plugs:
    buttons = ProblemButtons(store, settings.slack.alerts_channel, find)
    return Plugs(
        buttons={card.LOGS: buttons.on_click, card.EVENTS: buttons.on_click, card.DESCRIBE: buttons.on_click}
    )
