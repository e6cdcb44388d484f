"""Following a Deployment's rollout to its end for the change commands: done, failed (progress
deadline exceeded, or every new pod crash-looping past a grace period) or timed out; and the
one-line progress text shown while it runs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from pydantic import BaseModel

from integrations.errors import Unavailable
from integrations.kube_models import PodInfo, RolloutState

if TYPE_CHECKING:
    from integrations.kube import KubeClient

CRASHING = frozenset({"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"})
HASH_LABEL = "pod-template-hash"


class RolloutResult(BaseModel):
    ok: bool
    reason: str  # a sentence for the channel
    state: RolloutState  # the last one seen
    failing_pods: list[PodInfo]  # new pods crash-looping or unable to pull their image


def follow(
    kube: KubeClient,
    namespace: str,
    name: str,
    on_progress: Callable[[RolloutState], None],
    timeout_seconds: float = 600,
    poll_seconds: float = 2.0,
    crash_grace_seconds: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> RolloutResult:
    """Poll the rollout until it ends; `on_progress` hears each state that differs from the last. A
    reading the API server does not answer is skipped, not fatal: the change is already applied."""
    watch = _Watch(kube, namespace, name, crash_grace_seconds, monotonic)
    deadline, last = monotonic() + timeout_seconds, None
    while True:
        try:
            state = kube.rollout(namespace, name)
            result = watch.verdict(state)
        except Unavailable:  # one missed reading is no verdict on a change already applied
            if last is None and monotonic() >= deadline:
                raise
            state, result = last, None
        if state is not None and state != last:
            on_progress(state)
            last = state
        if result:
            return result
        remaining = deadline - monotonic()
        if remaining <= 0:
            if last is None:
                raise Unavailable(
                    "kubernetes", f"could not read {namespace}/{name}'s rollout for {timeout_seconds:g} s"
                )
            return watch.timed_out(last, timeout_seconds)
        sleep(min(poll_seconds, remaining))


def describe(state: RolloutState) -> str:
    """E.g. "2/3 updated, 3 ready, 1 old pod still running"."""
    if not state.caught_up:
        return "waiting for the controller to pick up the change"
    text = f"{state.updated}/{state.replicas} updated, {state.ready} ready"
    if state.old:
        text += f", {_count(state.old, 'old pod')} still running"
    return text


class _Watch:
    """What follow remembers between polls: since when every new pod has been crash-looping."""

    def __init__(
        self, kube: KubeClient, namespace: str, name: str, grace: float, monotonic: Callable[[], float]
    ):
        self.kube, self.namespace, self.name = kube, namespace, name
        self.grace, self.monotonic = grace, monotonic
        self.crashing_since: float | None = None

    @property
    def target(self) -> str:
        return f"{self.namespace}/{self.name}"

    def verdict(self, state: RolloutState) -> RolloutResult | None:
        if state.done:
            return RolloutResult(
                ok=True,
                reason=f"{self.target} is rolled out: {describe(state)}.",
                state=state,
                failing_pods=[],
            )
        new, failing = self._new_and_failing(state)
        failing_for = self._failing_for(bool(new) and len(failing) == len(new))
        if state.deadline_exceeded:
            return _failed(
                f"{self.target} exceeded its progress deadline ({describe(state)})", state, failing
            )
        if failing_for is not None and failing_for >= self.grace:
            return _failed(
                f"every new pod of {self.target} has been failing for at least {self.grace:g} s "
                f"({describe(state)})",
                state,
                failing,
            )
        return None

    def _failing_for(self, all_failing: bool) -> float | None:
        """Seconds since every new pod began failing, or None while one of them is fine."""
        if not all_failing:
            self.crashing_since = None
            return None
        if self.crashing_since is None:
            self.crashing_since = self.monotonic()
        return self.monotonic() - self.crashing_since

    def timed_out(self, state: RolloutState, timeout_seconds: float) -> RolloutResult:
        _, failing = self._new_and_failing(state)
        return _failed(
            f"{self.target} did not finish rolling out within {timeout_seconds:g} s ({describe(state)})",
            state,
            failing,
        )

    def _new_and_failing(self, state: RolloutState) -> tuple[list[PodInfo], list[PodInfo]]:
        """The current template's pods, and those of them that cannot start; none until caught up."""
        if not state.caught_up or not state.updated:
            return [], []
        revisions = self.kube.revisions(self.namespace, self.name)
        current = revisions[0].pod_template_hash if revisions else None
        new = [
            p for p in self.kube.pods_for(self.namespace, self.name) if p.labels.get(HASH_LABEL) == current
        ]
        return new, [p for p in new if p.reason in CRASHING]


def _failed(why: str, state: RolloutState, failing: list[PodInfo]) -> RolloutResult:
    pods = ", ".join(f"{p.name} ({p.reason}, {_count(p.restarts, 'restart')})" for p in failing)
    return RolloutResult(
        ok=False, reason=f"{why}. Failing: {pods}." if pods else f"{why}.", state=state, failing_pods=failing
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
