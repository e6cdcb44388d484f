"""The watch's threads: one per kind (nodes, and pods and Warning events in the platform namespace),
each iterating its Watcher from the resourceVersion the store kept and committing each event as one
engine step. The Watcher backs off on temporary failures and relists after 410 itself; a permanent
failure (Forbidden) is logged once, shown in /readyz and tried again rarely; an event a step cannot
take is logged and skipped. `stop()` ends every thread; `poll()` is one relist of each kind, in the
caller's thread, for tests and bots running without background loops."""

from __future__ import annotations

import logging
import threading

from bot.config import WatchSettings
from bot.state import Store
from bot.watch.engine import Problems, cursor
from integrations.errors import Forbidden, IntegrationError
from integrations.kube_models import WatchEvent
from integrations.kube_watch import Watcher

log = logging.getLogger(__name__)

KINDS = ("Node", "Pod", "Event")  # in this order: an event explains a problem its object opened
PERMANENT_RETRY_SECONDS = 300
PAUSE_SECONDS = 5
STOP_SECONDS = 5


class Watching:
    def __init__(
        self, store: Store, problems: Problems, kube, namespace: str, settings: WatchSettings, clock
    ):
        self._store, self._problems, self._kube, self._clock = store, problems, kube, clock
        self._namespace, self._settings = namespace, settings
        self._stopping = threading.Event()
        self._watchers: dict[str, Watcher] = {}
        self._refused: dict[str, str] = {}  # kind -> why the API server refused it (logged once)
        self._lock = threading.Lock()
        self._started = False
        self._threads = [
            threading.Thread(target=self._run, args=(kind,), name=f"watch-{kind.lower()}", daemon=True)
            for kind in KINDS
        ]

    # --- running ----------------------------------------------------------------------------------
    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        self._started = True

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            watchers = list(self._watchers.values())
        for watcher in watchers:
            watcher.stop()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=STOP_SECONDS)

    def poll(self) -> None:
        """One relist of each kind, each committed as one step (what a watch does after 410 Gone)."""
        for kind in KINDS:
            event = self._relist(kind)
            if event is not None:
                self.commit(event)

    def commit(self, event: WatchEvent) -> None:
        self._store.run_step(lambda: self._problems.step(event), self._clock.time())

    def readiness(self) -> dict[str, str]:
        """Reported by /readyz without failing it: the bot answers commands without its watch."""
        if not self._settings.enabled:
            return {"kube_watch": "off (watch.enabled is false)"}
        refused = "; ".join(f"{kind.lower()}s: {why}" for kind, why in sorted(self._refused.items()))
        if refused:
            return {"kube_watch": f"refused: {refused}"}
        return {"kube_watch": "watching nodes, pods and events"} if self._started else {}

    # --- one kind's thread --------------------------------------------------------------------------
    def _run(self, kind: str) -> None:
        while not self._stopping.is_set():
            watcher = self._open(kind, self._store.watch_value(cursor(kind)))
            try:
                self._follow(kind, watcher)
            except Forbidden as exc:
                self._refuse(kind, exc)
                self._stopping.wait(PERMANENT_RETRY_SECONDS)
            except IntegrationError as exc:  # the namespace is gone, a request rejected: not for a tight loop
                log.warning("watch of %ss failed: %s", kind.lower(), exc.message)
                self._stopping.wait(PAUSE_SECONDS)
            except Exception:  # a bug reading the stream: the thread must outlive it, as the bot does
                log.exception("watch of %ss failed unexpectedly", kind.lower())
                self._stopping.wait(PAUSE_SECONDS)

    def _follow(self, kind: str, watcher: Watcher) -> None:
        with self._lock:
            self._watchers[kind] = watcher
        if self._stopping.is_set():
            return
        for event in watcher:
            self._refused.pop(kind, None)
            try:
                self.commit(event)
            except Exception:  # one event a step cannot take must not end the watch
                log.exception("watch event could not be applied", extra={"kind": kind, "type": event.type})

    def _relist(self, kind: str) -> WatchEvent | None:
        stopped: list[Watcher] = []
        watcher = self._open(kind, None, sleep=lambda seconds: stopped[0].stop())  # a failure ends the poll
        stopped.append(watcher)
        try:
            return next(iter(watcher), None)
        except Forbidden as exc:
            self._refuse(kind, exc)
            return None
        finally:
            watcher.stop()

    def _open(self, kind: str, resource_version: str | None, **options) -> Watcher:
        options |= {"resource_version": resource_version, "watch_seconds": self._settings.watch_seconds}
        if kind == "Node":
            return self._kube.watch_nodes(**options)
        if kind == "Pod":
            return self._kube.watch_pods(self._namespace, **options)
        return self._kube.watch_events(self._namespace, **options)

    def _refuse(self, kind: str, exc: Forbidden) -> None:
        if kind not in self._refused:
            log.error("the API server refuses the watch of %ss: %s", kind.lower(), exc.message)
        self._refused[kind] = exc.message
