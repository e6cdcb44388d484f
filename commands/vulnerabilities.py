"""`/llm audit vulnerabilities`: the manual's "run security scan", read from the Trivy Operator's
VulnerabilityReports for the images the platform's pods run: critical and high counts per image and
the worst findings. Without the operator it says how to install it. Also a part of `/llm audit security`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from commands.blockkit import code, context, escape, header, link, listing, section
from commands.deps import Deps
from commands.images import repository
from commands.spec import CommandSpec, Request
from integrations.errors import NotFound
from integrations.kube_models import Finding, VulnerabilityReport

SHOWN = 5  # findings listed per image
ICONS = {"fail": "❌", "warn": "⚠️", "ok": "✅", "unknown": "❔"}


class ImageScan(BaseModel):
    image: str  # as the pods name it
    workloads: list[str]  # "ReplicaSet/vllm-llama-3-70b-5d8f (vllm)"
    critical: int = 0
    high: int = 0
    findings: list[Finding] = []
    updated: datetime | None = None
    scanned: bool = True  # False: no report for it yet

    @property
    def state(self) -> str:
        return "unknown" if not self.scanned else "fail" if self.critical else "warn" if self.high else "ok"


class VulnerabilityScan(BaseModel):
    namespace: str
    images: list[ImageScan] = []
    missing: str | None = None  # why there are no reports at all (the operator is not installed)

    @property
    def state(self) -> str:
        if self.missing:
            return "unknown"
        states = [i.state for i in self.images]
        return next((s for s in ("fail", "warn", "unknown") if s in states), "ok")


class AuditVulnerabilitiesRequest(Request):
    pass


def _key(image: str) -> tuple[str, str]:
    name = image.split("@", 1)[0]
    tag = name[name.rfind(":") + 1 :] if name.rfind(":") > name.rfind("/") else "latest"
    return repository(image), tag


def scan(deps: Deps) -> VulnerabilityScan:
    namespace = deps.platform.namespace
    running = sorted({image for pod in deps.kube.list_pods(namespace) for image in pod.images})
    try:
        reports = deps.kube.vulnerability_reports(namespace)
    except NotFound as exc:  # the CRD is absent: its message says how to install the operator
        return VulnerabilityScan(namespace=namespace, missing=exc.message)
    by_image: dict[tuple[str, str], list[VulnerabilityReport]] = {}
    for report in reports:
        by_image.setdefault(_key(report.image), []).append(report)
    return VulnerabilityScan(
        namespace=namespace, images=[_image(i, by_image.get(_key(i), [])) for i in running]
    )


def _image(image: str, reports: list[VulnerabilityReport]) -> ImageScan:
    workloads = sorted({f"{r.resource_kind}/{r.resource_name} ({r.container})" for r in reports})
    if not reports:
        return ImageScan(image=image, workloads=[], scanned=False)
    newest = max(reports, key=lambda r: r.updated.timestamp() if r.updated else 0.0)
    return ImageScan(
        image=image,
        workloads=workloads,
        critical=newest.critical,
        high=newest.high,
        findings=newest.findings,
        updated=newest.updated,
    )


def summary(result: VulnerabilityScan) -> str:
    if result.missing:
        return escape(result.missing)
    critical, high = sum(i.critical for i in result.images), sum(i.high for i in result.images)
    unscanned = sum(1 for i in result.images if not i.scanned)
    text = f"{critical} critical and {high} high across {len(result.images)} image(s)"
    return text + (f", {unscanned} not scanned yet" if unscanned else "")


def image_line(scan_: ImageScan) -> str:
    if not scan_.scanned:
        return f"{ICONS['unknown']} {code(scan_.image)}: no VulnerabilityReport yet"
    return f"{ICONS[scan_.state]} {code(scan_.image)}: {scan_.critical} critical, {scan_.high} high"


def finding_line(found: Finding) -> str:
    name = link(found.link, found.id) if found.link else escape(found.id)
    fix = f"→ {code(found.fixed_version)}" if found.fixed_version else "(no fix yet)"
    return (
        f"{escape(found.severity)} {name} {code(found.package)} {code(found.installed_version)} {fix}: "
        + escape(found.title[:120])
    )


def run(request: AuditVulnerabilitiesRequest, deps: Deps) -> VulnerabilityScan:
    return scan(deps)


def render(result: VulnerabilityScan) -> list[dict]:
    blocks = [header("Image vulnerabilities"), section(f"{ICONS[result.state]} {summary(result)}")]
    for image in result.images:
        lines = [f"• {finding_line(f)}" for f in image.findings[:SHOWN]]
        more = len(image.findings) - SHOWN
        lines += [f"• …and {more} more critical or high"] if more > 0 else []
        blocks.append(listing(image_line(image), lines) if lines else section(f"*{image_line(image)}*"))
    return blocks + [
        context(
            f"Trivy Operator VulnerabilityReports in {escape(result.namespace)}, for the images its pods run"
        )
    ]


def render_text(result: VulnerabilityScan) -> str:
    out = [f"{ICONS[result.state]} {summary(result)}"]
    for image in result.images:
        out += [image_line(image)] + [f"    - {finding_line(f)}" for f in image.findings[:SHOWN]]
    return "\n".join(out)


SPEC = CommandSpec(
    name="audit vulnerabilities",
    summary="Critical and high vulnerabilities per image the platform runs (Trivy Operator reports)",
    example="/llm audit vulnerabilities",
    details="Reads aquasecurity.github.io/v1alpha1 VulnerabilityReports in platform.namespace.",
    request=AuditVulnerabilitiesRequest,
    run=run,
    render=render,
    render_text=render_text,
)
