"""`/llm audit security`: what an attacker or an auditor would look at first: LoadBalancer services
in any namespace, the last 30 days' guardrail violations (high risk first), wildcards in the
platform's IAM policy, container images from outside the allowed registries, and the critical and
high vulnerabilities the Trivy Operator found in the images the platform runs. The monthly security
audit posts it with the manual's action items as a checklist (ACTIONS)."""

from __future__ import annotations

from pydantic import BaseModel

from commands import guardrails, vulnerabilities
from commands.blockkit import code, context, escape, header, listing, section
from commands.deps import Deps
from commands.images import allowed as from_allowed
from commands.parts import Missing, gather
from commands.spec import CommandSpec, Request
from integrations.aws_models import PolicyVersion

ICONS = {"fail": "❌", "warn": "⚠️", "ok": "✅", "unknown": "❔"}
ACTIONS = ("Address high-severity findings", "Update security policies", "Brief security team")


class Part(BaseModel):
    """`summary` and `findings` are mrkdwn, built safe: names escaped, actions and images in code."""

    title: str
    state: str  # ok, warn, fail, unknown
    summary: str
    findings: list[str] = []


class Audit(BaseModel):
    parts: list[Part]

    @property
    def state(self) -> str:
        states = [p.state for p in self.parts]
        return next((s for s in ("fail", "warn", "unknown") if s in states), "ok")


def load_balancers(deps: Deps) -> Part:
    exposed = [s for s in deps.kube.list_services() if s.type == "LoadBalancer"]
    findings = [
        f"{code(f'{s.namespace}/{s.name}')} ports {', '.join(map(str, s.ports)) or '-'}"
        + (f" at {escape(', '.join(s.external))}" if s.external else " (address pending)")
        for s in exposed
    ]
    summary = (
        f"{len(exposed)} LoadBalancer service(s): reachable from outside the cluster" if exposed else "none"
    )
    return Part(
        title="LoadBalancer services", state="warn" if exposed else "ok", summary=summary, findings=findings
    )


def violations(deps: Deps) -> Part:
    report = guardrails.violations(deps, "30d")
    high = [c for c in report.counts if c.risk_level == "high"]
    high_total = sum(c.now for c in high)
    findings = [f"{escape(c.risk_level)} {escape(c.violation_type)}: {c.now:,.0f}" for c in report.counts]
    summary = f"{report.total:,.0f} in the last 30 days, {high_total:,.0f} high risk"
    return Part(
        title="Guardrail violations", state="warn" if high_total else "ok", summary=summary, findings=findings
    )


def wildcards(policy: PolicyVersion) -> list[tuple[str, str]]:
    """(severity, finding) for each Allow statement granting a wildcard action or resource; actions and
    resources in code, so `ec2:*` keeps its asterisk."""
    found = []
    for i, statement in enumerate(policy.statements):
        if statement.get("Effect") != "Allow":
            continue
        name = escape(statement.get("Sid") or f"#{i + 1}")
        actions, resources = _listed(statement.get("Action")), _listed(statement.get("Resource"))
        wild_actions = [a for a in actions if "*" in a]
        if wild_actions:
            found.append(("fail", f"{name}: wildcard action {_codes(wild_actions)} on {_codes(resources)}"))
        elif "*" in resources:
            found.append(("warn", f"{name}: {_codes(actions)} on every resource (`*`)"))
    return found


def _listed(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _codes(values: list[str]) -> str:
    return ", ".join(code(v) for v in values)


def iam(deps: Deps) -> Part:
    policy = deps.aws.managed_policy(deps.platform.iam_policy_name)
    found = wildcards(policy)
    state = "fail" if any(s == "fail" for s, _ in found) else "warn" if found else "ok"
    summary = f"{code(policy.name)} version {escape(policy.version_id)}: {len(found)} wildcard statement(s)"
    return Part(
        title="IAM policy", state=state, summary=summary, findings=[f"{ICONS[s]} {f}" for s, f in found]
    )


def outside(image: str, allowed: list[str]) -> bool:
    """Not under any allowed registry (Docker Hub short names read as docker.io)."""
    return not from_allowed(image, allowed)


def images(deps: Deps) -> Part:
    allowed = deps.platform.allowed_registries
    pods = deps.kube.list_pods(deps.platform.namespace)
    foreign = sorted({(image, p.name) for p in pods for image in p.images if outside(image, allowed)})
    findings = [f"{code(image)} in {escape(pod)}" for image, pod in foreign]
    summary = (
        f"{len({i for i, _ in foreign})} image(s) from outside {_codes(allowed)}"
        if foreign
        else f"all {len(pods)} pods use {_codes(allowed)}"
    )
    return Part(
        title="Container images", state="fail" if foreign else "ok", summary=summary, findings=findings
    )


def image_vulnerabilities(deps: Deps) -> Part:
    found = vulnerabilities.scan(deps)
    return Part(
        title="Image vulnerabilities",
        state=found.state,
        summary=vulnerabilities.summary(found),
        findings=[vulnerabilities.image_line(i) for i in found.images if i.state != "ok"],
    )


PARTS = (
    ("LoadBalancer services", load_balancers),
    ("Guardrail violations", violations),
    ("IAM policy", iam),
    ("Container images", images),
    ("Image vulnerabilities", image_vulnerabilities),
)


class AuditSecurityRequest(Request):
    pass


def run(request: AuditSecurityRequest, deps: Deps) -> Audit:
    found = gather(deps, {title: (lambda check=check: check(deps)) for title, check in PARTS})
    return Audit(
        parts=[
            Part(title=title, state="unknown", summary=escape(value.reason))
            if isinstance(value, Missing)
            else value
            for title, value in found.items()
        ]
    )


def headline(audit: Audit) -> str:
    attention = [p.title for p in audit.parts if p.state != "ok"]
    if not attention:
        return "✅ Nothing to follow up"
    areas = ", ".join(attention)
    return f"{ICONS[audit.state]} {len(attention)} of {len(audit.parts)} areas need attention: {areas}"


def render(audit: Audit) -> list[dict]:
    blocks = [header("Security audit"), section(headline(audit))]
    for part in audit.parts:
        title = f"{ICONS[part.state]} {part.title}: {part.summary}"
        findings = [f"• {f}" for f in part.findings]
        blocks.append(listing(title, findings) if findings else section(f"*{title}*"))
    return blocks + [
        context(
            "Namespace-wide pods; services in every namespace; guardrails over 30 days; "
            "the IAM policy's default version; the Trivy Operator's reports"
        )
    ]


def render_text(audit: Audit) -> str:
    """The parts' mrkdwn as lines: also the message's notification text."""
    out = [headline(audit)]
    for part in audit.parts:
        out += [f"{ICONS[part.state]} {part.title}: {part.summary}"] + [f"    - {f}" for f in part.findings]
    return "\n".join(out)


SPEC = CommandSpec(
    name="audit security",
    summary="LoadBalancer services, guardrail violations, IAM wildcards, images from unknown registries "
    "and image vulnerabilities",
    example="/llm audit security",
    details="Allowed registries: platform.allowed_registries; the policy: platform.iam_policy_name.",
    request=AuditSecurityRequest,
    run=run,
    render=render,
    render_text=render_text,
)
