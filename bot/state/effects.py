"""What an engine step decides, as a value: the state change (with the compare-and-set it depends on),
the Slack posts, the jobs and timers it starts or stops, and the audit rows. `Store.commit` applies
one Effects in one transaction, so a crash leaves all of it or none of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from bot.state.audit import AuditEntry
from bot.state.outbox import Post


@dataclass(frozen=True)
class Write:
    """One statement of a step's state change. `expect` is how many rows it must change for the step
    to stand (a compare-and-set); when it changes another number, the whole step is rolled back."""

    sql: str
    params: tuple = ()
    expect: int | None = 1
    what: str = ""  # for tests and logs: "approval 7: pending -> approved"


@dataclass(frozen=True)
class NewJob:
    """Work for the worker. A job with a `key` is created once: a second one with the same key is dropped."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    key: str | None = None


@dataclass(frozen=True)
class SetTimer:
    """Arm (kind, key) to fire at `due_at`. `again=False` leaves a timer that already fired alone;
    `if_absent=True` leaves any existing timer of that (kind, key) as it is, due time included."""

    kind: str
    key: str
    due_at: float
    payload: dict[str, Any] = field(default_factory=dict)
    again: bool = True
    if_absent: bool = False


@dataclass(frozen=True)
class CancelTimer:
    """Cancel the pending timer (kind, key), or with `prefix` every pending one whose key starts so."""

    kind: str
    key: str
    prefix: bool = False


Item = Write | Post | NewJob | SetTimer | CancelTimer | AuditEntry


@dataclass(frozen=True)
class Effects:
    writes: tuple[Write, ...] = ()
    posts: tuple[Post, ...] = ()
    jobs: tuple[NewJob, ...] = ()
    timers: tuple[SetTimer | CancelTimer, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    reply: str = ""  # the private answer to whoever clicked or typed; not stored

    @classmethod
    def of(cls, *items: Item | None, reply: str = "") -> "Effects":
        """Effects from loose items in order; None items are skipped, so conditionals read plainly."""
        return cls(reply=reply) + _sorted(item for item in items if item is not None)

    def __add__(self, other: "Effects | Iterable[Item]") -> "Effects":
        if not isinstance(other, Effects):
            other = _sorted(other)
        return Effects(
            writes=self.writes + other.writes,
            posts=self.posts + other.posts,
            jobs=self.jobs + other.jobs,
            timers=self.timers + other.timers,
            audit=self.audit + other.audit,
            reply=" ".join(r for r in (self.reply, other.reply) if r),
        )

    @property
    def empty(self) -> bool:
        return not (self.writes or self.posts or self.jobs or self.timers or self.audit)

    def with_reply(self, reply: str) -> "Effects":
        return Effects(self.writes, self.posts, self.jobs, self.timers, self.audit, reply)


NOTHING = Effects()

_FIELDS = {
    Write: "writes",
    Post: "posts",
    NewJob: "jobs",
    SetTimer: "timers",
    CancelTimer: "timers",
    AuditEntry: "audit",
}


def _sorted(items: Iterable[Item]) -> Effects:
    buckets: dict[str, list] = {name: [] for name in set(_FIELDS.values())}
    for item in items:
        buckets[_FIELDS[type(item)]].append(item)
    return Effects(**{name: tuple(values) for name, values in buckets.items()})
