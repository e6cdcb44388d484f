"""The Kubernetes client's view of the Trivy Operator's `VulnerabilityReport`s
(aquasecurity.github.io/v1alpha1): critical and high findings per workload image.
"""

from __future__ import annotations

from datetime import datetime

from integrations.errors import NotFound
from integrations.kube_calls import SYSTEM, KubeApi
from integrations.kube_models import Finding, VulnerabilityReport

GROUP, VERSION, PLURAL = "aquasecurity.github.io", "v1alpha1", "vulnerabilityreports"
SERIOUS = ("CRITICAL", "HIGH")
NOT_INSTALLED = (
    "the Trivy Operator is not installed (no VulnerabilityReport CRD, aquasecurity.github.io/v1alpha1): "
    "install it with `helm install trivy-operator aqua/trivy-operator --namespace trivy-system "
    "--create-namespace` (chart repo https://aquasecurity.github.io/helm-charts/)"
)


class Security(KubeApi):
    def vulnerability_reports(self, namespace: str) -> list[VulnerabilityReport]:
        """One report per scanned workload container; NotFound says how to install the operator."""
        try:
            found = self._call(
                f"list vulnerability reports in {namespace}",
                self._custom.list_namespaced_custom_object,
                GROUP,
                VERSION,
                namespace,
                PLURAL,
            )
        except NotFound:  # a list answers 404 only when the resource type does not exist
            raise NotFound(SYSTEM, NOT_INSTALLED) from None
        return sorted(map(report, found.get("items", [])), key=lambda r: (r.image, r.resource_name))


def report(item: dict) -> VulnerabilityReport:
    meta, body = item["metadata"], item.get("report") or {}
    labels, artifact, summary = (
        meta.get("labels") or {},
        body.get("artifact") or {},
        body.get("summary") or {},
    )
    server = (body.get("registry") or {}).get("server", "")
    repository, tag = artifact.get("repository", ""), artifact.get("tag", "")
    serious = [v for v in body.get("vulnerabilities") or [] if v.get("severity") in SERIOUS]
    return VulnerabilityReport(
        name=meta["name"],
        namespace=meta.get("namespace", ""),
        resource_kind=labels.get("trivy-operator.resource.kind", ""),
        resource_name=labels.get("trivy-operator.resource.name", ""),
        container=labels.get("trivy-operator.container.name", ""),
        image=f"{server}/{repository}:{tag}" if server else f"{repository}:{tag}",
        repository=repository,
        tag=tag,
        critical=summary.get("criticalCount", 0),
        high=summary.get("highCount", 0),
        medium=summary.get("mediumCount", 0),
        low=summary.get("lowCount", 0),
        unknown=summary.get("unknownCount", 0),
        updated=_time(body.get("updateTimestamp")),
        findings=sorted(map(_finding, serious), key=lambda f: (SERIOUS.index(f.severity), f.id)),
    )


def _finding(found: dict) -> Finding:
    return Finding(
        id=found.get("vulnerabilityID", ""),
        severity=found.get("severity", "UNKNOWN"),
        package=found.get("resource", ""),
        installed_version=found.get("installedVersion", ""),
        fixed_version=found.get("fixedVersion", ""),
        title=found.get("title", ""),
        link=found.get("primaryLink") or None,
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
