"""The Kubernetes stand-in's change history, which watches read: every ADDED, MODIFIED and DELETED with
its resource version, bounded like etcd's (older entries are compacted away, so watching from before
them answers 410 Gone), and a condition that wakes waiting watches. Callers hold `cluster.lock`.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from dataclasses import dataclass

RETAINED = 2000  # changes kept; the real API server's watch cache keeps a window too


@dataclass(frozen=True)
class Change:
    version: int
    type: str  # ADDED, MODIFIED, DELETED
    resource: str
    obj: dict  # a snapshot taken when the change was made


class History:
    def __init__(self, lock: threading.RLock, retained: int = RETAINED):
        self.changed = threading.Condition(lock)
        self.compacted = 0  # watching from a version below this answers 410 Gone
        self.epoch = 0  # bumped to end every open watch, as an API server restart would
        self._changes: deque[Change] = deque()
        self._retained = retained

    def record(self, change_type: str, resource: str, obj: dict, version: int) -> None:
        if len(self._changes) >= self._retained:
            self.compacted = self._changes.popleft().version
        self._changes.append(Change(version, change_type, resource, copy.deepcopy(obj)))
        self.changed.notify_all()

    def since(self, version: int, resource: str) -> list[Change]:
        """Changes of `resource` after `version`, oldest first."""
        return [c for c in self._changes if c.version > version and c.resource == resource]

    def expired(self, version: int) -> bool:
        return version < self.compacted

    def compact(self, version: int) -> None:
        """Forget everything up to `version`, as etcd compaction does."""
        while self._changes and self._changes[0].version <= version:
            self._changes.popleft()
        self.compacted = max(self.compacted, version)

    def close_watches(self) -> None:
        self.epoch += 1
        self.changed.notify_all()
