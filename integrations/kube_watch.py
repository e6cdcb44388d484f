"""Following pods, nodes and events as client-go's reflector does, on the official client's
`watch.Watch`: list, then watch from the list's resourceVersion with bookmarks; when a stream ends,
resume from the last version seen; on 410 Gone list again (a RELISTED event carries everything, so
the caller can reconcile what it missed); on failures back off (1 s doubling to 30 s) and resume.
Iterate a `Watcher` in one thread; `stop()` it from any other.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Iterator

import urllib3
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from integrations.errors import Unavailable
from integrations.kube_calls import KubeApi, status_error, status_reason, transport_error
from integrations.kube_convert import event_info, node_info, pod_info
from integrations.kube_models import WatchEvent

log = logging.getLogger(__name__)
GONE = 410
STOP_GRACE_SECONDS = 1.0


class Watches(KubeApi):
    """Each returns a `Watcher` (iterate it for `WatchEvent`s); `options` are the Watcher's."""

    def watch_pods(self, namespace: str, **options: Any) -> Watcher:
        return Watcher(self, "Pod", namespace, **options)

    def watch_nodes(self, **options: Any) -> Watcher:
        return Watcher(self, "Node", None, **options)

    def watch_events(self, namespace: str, warnings_only: bool = True, **options: Any) -> Watcher:
        return Watcher(
            self, "Event", namespace, field_selector="type=Warning" if warnings_only else None, **options
        )


class Watcher:
    """Options: `resource_version` to resume from (a persisted one; None lists first),
    `field_selector`, `watch_seconds` (how long one stream lasts before the server ends it),
    `backoff` (first and longest pause after a failure) and `sleep` (how to pause; stop() cuts
    the default short)."""

    def __init__(
        self,
        api: KubeApi,
        kind: str,
        namespace: str | None,
        resource_version: str | None = None,
        field_selector: str | None = None,
        watch_seconds: int = 300,
        backoff: tuple[float, float] = (1.0, 30.0),
        sleep: Callable[[float], object] | None = None,
    ):
        self.kind, self.namespace, self.resource_version = kind, namespace, resource_version
        self._api, self._field_selector, self._watch_seconds = api, field_selector, watch_seconds
        self._backoff, self._failures = backoff, 0
        self._stopped = threading.Event()
        self._sleep = sleep or self._stopped.wait
        self._watch: watch.Watch | None = None
        # the client's own list methods: watch.Watch reads their docstrings for the type to decode
        self._list, self._args, self._convert = {
            "Pod": (api._core.list_namespaced_pod, (namespace,), pod_info),
            "Node": (api._core.list_node, (), node_info),
            "Event": (api._core.list_namespaced_event, (namespace,), event_info),
        }[kind]
        self._what = f"watch {kind.lower()}s" + (f" in {namespace}" if namespace else "")

    def __iter__(self) -> Iterator[WatchEvent]:
        while not self._stopped.is_set():
            try:
                if self.resource_version is None:
                    yield self._relist()
                else:
                    yield from self._stream()
            except Unavailable as exc:
                self._pause(exc)

    def stop(self) -> None:
        """End the iteration, also when another thread is blocked reading the stream."""
        self._stopped.set()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while (current := self._watch) is not None:
            current.stop()  # shuts the socket, so a blocked read returns
            if getattr(current, "_resp", None) is not None or time.monotonic() > deadline:
                return
            time.sleep(0.01)  # asked before the response arrived: there is no socket to shut yet

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def _relist(self) -> WatchEvent:
        found = self._api._call(self._what, self._list, *self._args, **self._selectors())
        self.resource_version = found.metadata.resource_version
        self._failures = 0
        objects = [self._convert(item) for item in found.items]
        return WatchEvent(
            kind=self.kind, type="RELISTED", resource_version=self.resource_version, objects=objects
        )

    def _stream(self) -> Iterator[WatchEvent]:
        self._watch = current = watch.Watch()
        events = current.stream(
            self._list,
            *self._args,
            resource_version=self.resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=self._watch_seconds,
            _request_timeout=(self._api.timeout_seconds, self._watch_seconds + self._api.timeout_seconds),
            **self._selectors(),
        )
        try:
            for raw in events:
                if self._stopped.is_set():
                    return
                self._failures = 0
                yield self._event(raw)
            self._failures = 0  # the server ended a quiet stream: that is no failure
        except ApiException as exc:
            if exc.status == GONE:
                log.info("%s: resourceVersion %s is gone, listing again", self._what, self.resource_version)
                self.resource_version = None
                return
            if not self._stopped.is_set():
                raise status_error(exc.status, self._what, status_reason(exc)) from None
        except urllib3.exceptions.HTTPError as exc:
            if not self._stopped.is_set():
                raise transport_error(exc, self._api.timeout_seconds) from None
        finally:
            events.close()
            self._watch = None

    def _event(self, raw: dict) -> WatchEvent:
        if raw["type"] == "BOOKMARK":
            self.resource_version = raw["raw_object"]["metadata"]["resourceVersion"]
            return WatchEvent(kind=self.kind, type="BOOKMARK", resource_version=self.resource_version)
        self.resource_version = raw["object"].metadata.resource_version
        return WatchEvent(
            kind=self.kind,
            type=raw["type"],
            resource_version=self.resource_version,
            obj=self._convert(raw["object"]),
        )

    def _selectors(self) -> dict[str, str]:
        return {"field_selector": self._field_selector} if self._field_selector else {}

    def _pause(self, exc: Unavailable) -> None:
        first, longest = self._backoff
        delay = min(longest, first * 2**self._failures)
        self._failures += 1
        log.warning("%s failed (%s); trying again in %.0f s", self._what, exc.message, delay)
        self._sleep(delay)
