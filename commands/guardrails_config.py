"""`/llm guardrails config` shows the `guardrails-config` ConfigMap; `/llm guardrails set KEY VALUE`
changes one of its keys, as the manual does it: through an approval whose card shows `key: old → new`,
then a restart of rag-service (which reads the settings at start), followed to the end. Unknown keys
are refused with the known ones listed; a value must look like the one it replaces."""

from __future__ import annotations

import re

from pydantic import BaseModel, field_validator

from commands import preconditions as pre
from commands import restart, scale
from commands.blockkit import code, context, escape, header, listing, section
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec, Request

CONFIGMAP = "guardrails-config"
SERVICE = "rag-service"  # reads guardrails-config when it starts
_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")  # what Kubernetes allows as a ConfigMap key
SWITCH = ("enabled", "disabled")


class GuardrailsConfigRequest(Request):
    pass


class GuardrailsConfig(BaseModel):
    namespace: str
    data: dict[str, str]


def run(request: GuardrailsConfigRequest, deps: Deps) -> GuardrailsConfig:
    found = deps.kube.get_configmap(deps.platform.namespace, CONFIGMAP)
    return GuardrailsConfig(namespace=deps.platform.namespace, data=found)


def _lines(config: GuardrailsConfig) -> list[str]:
    return [f"• {code(key)}: {code(value[:300])}" for key, value in sorted(config.data.items())]


def render(config: GuardrailsConfig) -> list[dict]:
    where = f"ConfigMap {code(CONFIGMAP)} in {code(config.namespace)}"
    if not config.data:
        return [header("Guardrails settings"), section(f"❔ {where} holds no settings.")]
    return [
        header("Guardrails settings"),
        listing(f"{where}: {len(config.data)} settings", _lines(config)),
        context(f"Change one: `/llm guardrails set KEY VALUE` (needs approval; restarts {SERVICE})"),
    ]


def render_text(config: GuardrailsConfig) -> str:
    return "\n".join(f"{escape(k)}: {escape(v)}" for k, v in sorted(config.data.items()))


class GuardrailsSetRequest(ChangeRequest):
    key: str
    value: str

    @field_validator("key")
    @classmethod
    def _a_key(cls, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError(f"{code(key[:60])} is not a ConfigMap key: letters, digits, `-`, `_` and `.`.")
        return key

    @field_validator("value")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not value.strip() or "\n" in value or len(value) > 1000:
            raise ValueError("A guardrails value is one line of at most 1,000 characters.")
        return value.strip()


class GuardrailsSetPlan(BaseModel):
    key: str
    value: str  # the target
    was: str  # the value it was planned against
    restarting: restart.RestartPlan


def shape_problem(old: str, new: str) -> str | None:
    """Why `new` cannot replace `old` (a switch, a count, a fraction keep their kind); None: it can."""
    if old in SWITCH:
        return None if new in SWITCH else "is a switch: `enabled` or `disabled`"
    if old.isdigit():
        return None if new.isdigit() else "is a whole number"
    try:
        was = float(old)
    except ValueError:
        return None  # free text, a list: anything on one line
    try:
        value = float(new)
    except ValueError:
        return "is a number"
    return "is a fraction between 0 and 1" if 0 <= was <= 1 and not 0 <= value <= 1 else None


def plan(request: GuardrailsSetRequest, deps: Deps) -> ChangePlan:
    key, value = request.key, request.value
    data = deps.kube.get_configmap(deps.platform.namespace, CONFIGMAP)
    if key not in data:
        known = ", ".join(code(k) for k in sorted(data)) or "none"
        raise CommandError(f"{code(key)} is not a guardrails setting; the known ones are {known}.")
    problem = shape_problem(data[key], value)
    if problem:
        raise CommandError(f"{code(key)} {problem}, not {code(value[:60])}.")
    if data[key] == value:
        raise CommandError(f"{code(key)} is already {code(value[:60])}; nothing to change.")
    current = scale.existing(deps, SERVICE)
    restarting, line = restart.planned(deps, SERVICE)
    return ChangePlan(
        title=f"Set guardrails {key}",
        changes=[Change(target=f"configmap/{CONFIGMAP}", field=key, old=data[key], new=value), line],
        health=[pre.ready(current)],
        warnings=[f"{SERVICE} reads its guardrails when it starts: its pods are restarted after the change."],
        data=GuardrailsSetPlan(key=key, value=value, was=data[key], restarting=restarting),
    )


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    data: GuardrailsSetPlan = plan.data
    now = deps.kube.get_configmap(deps.platform.namespace, CONFIGMAP).get(data.key)
    if now is None:
        return [f"{data.key} is no longer in {CONFIGMAP}"]
    if not pre.as_planned(now, data.was, data.value):
        return [f"{data.key} is {now} now, planned against {data.was}"]
    return [] if pre.deployment(deps, SERVICE) else [pre.gone(SERVICE)]


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: GuardrailsSetPlan = plan.data
    deps.kube.patch_configmap(deps.platform.namespace, CONFIGMAP, data.key, data.value)
    progress(f"{CONFIGMAP}: {data.key} is {data.value} now; restarting {SERVICE}")
    restarted = restart.restart(deps, data.restarting, progress)
    summary = f"Guardrails {data.key}: {data.was} → {data.value}. {restarted.summary}"
    return restarted.model_copy(update={"summary": summary})


SPECS = (
    CommandSpec(
        name="guardrails config",
        summary="Show the guardrails settings (the guardrails-config ConfigMap)",
        example="/llm guardrails config",
        request=GuardrailsConfigRequest,
        run=run,
        render=render,
        render_text=render_text,
    ),
    CommandSpec(
        name="guardrails set",
        summary="Change one guardrails setting, then restart rag-service (needs approval)",
        example="/llm guardrails set toxicity_threshold 0.7",
        role="operator",
        changes=True,
        args=(Arg("key", "a key /llm guardrails config shows"), Arg("value", "its new value", rest=True)),
        options=(DRY_RUN,),
        request=GuardrailsSetRequest,
        plan_data=GuardrailsSetPlan,
        plan=plan,
        check=check,
        apply=apply,
    ),
)
