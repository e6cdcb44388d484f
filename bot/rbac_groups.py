"""Slack user-group membership for RBAC, read off the ack path: a repeating timer starts a job that
asks Slack for each configured group's members and keeps them in memory for role checks. It runs at
start and every five minutes; a failure keeps the last known members."""

from __future__ import annotations

import logging

from bot.plugs import Plugs
from bot.rbac import Rbac
from bot.state import Effects, JobResult, NewJob, SetTimer, Store

log = logging.getLogger(__name__)

TIMER, JOB = "rbac.groups", "rbac-groups"
REFRESH_SECONDS = 300


def wire(store: Store, rbac: Rbac, slack, clock) -> Plugs:
    def refresh(job) -> JobResult:
        for group in rbac.groups:
            try:
                rbac.set_members(group, slack.usergroups_users_list(usergroup=group).get("users", []))
            except Exception as exc:  # keep the last known members; try again next round
                log.warning(
                    "could not refresh user group", extra={"group": group, "error": type(exc).__name__}
                )
        return JobResult("ok", Effects.of(SetTimer(TIMER, "all", clock.time() + REFRESH_SECONDS)))

    def start() -> None:
        if rbac.groups:
            store.commit(Effects.of(NewJob(JOB, {}, key=f"{JOB}:{int(clock.time())}")), clock.time())

    return Plugs(
        jobs={JOB: refresh},
        timers={TIMER: lambda timer, late: Effects.of(NewJob(JOB, {}))},
        on_start=(start,),
    )
