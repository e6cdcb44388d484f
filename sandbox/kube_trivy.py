"""Trivy Operator `VulnerabilityReport`s (aquasecurity.github.io/v1alpha1) for the stand-in's images,
in the shape the operator writes them: one per workload container, named `replicaset-<rs>-<container>`,
labelled with the scanned resource and container, with `report.artifact`, `report.summary` and the
vulnerabilities found. While `cluster.trivy_installed` is False the resource type does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.kube_objects import metadata, owner_ref, stamp, template_hash

if TYPE_CHECKING:
    from sandbox.kube_cluster import Cluster

GROUP = "aquasecurity.github.io"
API_VERSION = f"{GROUP}/v1alpha1"
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
# (id, package, installed, fixed, severity, score, title)
EXPAT = (
    "CVE-2023-52425",
    "libexpat1",
    "2.5.0-1",
    "",
    "HIGH",
    7.5,
    "expat: parsing large tokens can trigger DoS",
)
APT = ("CVE-2011-3374", "apt", "2.6.1", "", "LOW", 3.7, "apt-key does not correctly validate gpg keys")
URLLIB3 = (
    "CVE-2024-37891",
    "urllib3",
    "1.26.18",
    "1.26.19",
    "MEDIUM",
    4.4,
    "urllib3: proxy-authorization kept",
)
REQUESTS = ("CVE-2024-35195", "requests", "2.31.0", "2.32.0", "MEDIUM", 5.6, "requests: cert check skipped")
FINDINGS = {
    "vllm/vllm-openai": (
        (
            "CVE-2024-45490",
            "libexpat1",
            "2.4.7-1ubuntu0.3",
            "2.4.7-1ubuntu0.4",
            "CRITICAL",
            9.8,
            "libexpat: Negative Length Parsing Vulnerability in libexpat",
        ),
        (
            "CVE-2024-6387",
            "openssh-client",
            "1:8.9p1-3ubuntu0.6",
            "1:8.9p1-3ubuntu0.10",
            "HIGH",
            8.1,
            "openssh: regreSSHion: RCE in OpenSSH's server, on glibc-based Linux systems",
        ),
        (
            "CVE-2024-3568",
            "transformers",
            "4.37.2",
            "4.38.0",
            "HIGH",
            8.8,
            "huggingface/transformers: deserialization of untrusted data in checkpoint loading",
        ),
        URLLIB3,
        REQUESTS,
        (
            "CVE-2024-5535",
            "libssl3",
            "3.0.2-0ubuntu1.15",
            "3.0.2-0ubuntu1.17",
            "LOW",
            3.7,
            "openssl: SSL_select_next_proto buffer overread",
        ),
    ),
    "example/rag-service": (
        (
            "CVE-2023-45853",
            "zlib1g",
            "1:1.2.13.dfsg-1",
            "",
            "CRITICAL",
            9.8,
            "zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6",
        ),
        (
            "CVE-2024-6345",
            "setuptools",
            "66.1.1",
            "70.0.0",
            "HIGH",
            8.8,
            "pypa/setuptools: Remote code execution via download functions in the package_index module",
        ),
        (
            "CVE-2024-1135",
            "gunicorn",
            "21.2.0",
            "22.0.0",
            "HIGH",
            7.5,
            "python-gunicorn: HTTP Request Smuggling due to improper validation of Transfer-Encoding headers",
        ),
        EXPAT,
        URLLIB3,
        REQUESTS,
        APT,
    ),
    "qdrant/qdrant": (EXPAT, APT),
}


def seed_reports(cluster: Cluster) -> None:
    """A report for each container of each Deployment's current ReplicaSet and of the qdrant pod."""
    for rs in cluster.items("replicasets"):
        if rs["spec"]["replicas"] > 0:
            for container in rs["spec"]["template"]["spec"]["containers"]:
                cluster.put("vulnerabilityreports", report(rs, container, cluster.clock()))
    for pod in cluster.items("pods"):
        owners = pod["metadata"].get("ownerReferences") or []
        if any(ref["kind"] == "StatefulSet" for ref in owners):
            sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {**pod["metadata"]}}
            sts["metadata"].update(name=owners[0]["name"], uid=owners[0]["uid"])
            sts["spec"] = {"template": {"spec": pod["spec"]}}
            for container in pod["spec"]["containers"]:
                cluster.put("vulnerabilityreports", report(sts, container, cluster.clock()))


def report(workload: dict, container: dict, now: float) -> dict:
    meta, kind = workload["metadata"], workload["kind"]
    name = f"{kind.lower()}-{meta['name']}-{container['name']}"
    labels = {
        "trivy-operator.resource.kind": kind,
        "trivy-operator.resource.name": meta["name"],
        "trivy-operator.resource.namespace": meta["namespace"],
        "trivy-operator.container.name": container["name"],
        "resource-spec-hash": template_hash(workload["spec"]["template"])[:10],
    }
    obj = {
        "apiVersion": API_VERSION,
        "kind": "VulnerabilityReport",
        "metadata": metadata(name, meta["namespace"], now, labels),
        "report": _report_body(container["image"], now),
    }
    obj["metadata"]["ownerReferences"] = [{**owner_ref(workload), "blockOwnerDeletion": False}]
    return obj


def _report_body(image: str, now: float) -> dict:
    first, _, rest = image.partition("/")
    server, path = (first, rest) if "." in first else ("index.docker.io", image)
    repository, _, tag = path.partition(":")
    found = [_vulnerability(*entry) for entry in FINDINGS.get(repository, ())]
    counts = {s: sum(v["severity"] == s for v in found) for s in SEVERITIES}
    summary = {f"{s.lower()}Count": n for s, n in counts.items()} | {"noneCount": 0}
    ubuntu = repository.startswith("vllm/")
    return {
        "updateTimestamp": stamp(now),
        "scanner": {"name": "Trivy", "vendor": "Aqua Security", "version": "0.50.1"},
        "registry": {"server": server},
        "artifact": {"repository": repository, "tag": tag or "latest"},
        "os": {"family": "ubuntu" if ubuntu else "debian", "name": "22.04" if ubuntu else "12.5"},
        "summary": summary,
        "vulnerabilities": found,
    }


def _vulnerability(
    cve: str, package: str, installed: str, fixed: str, severity: str, score: float, title: str
):
    return {
        "vulnerabilityID": cve,
        "resource": package,
        "installedVersion": installed,
        "fixedVersion": fixed,
        "severity": severity,
        "score": score,
        "title": title,
        "primaryLink": f"https://avd.aquasec.com/nvd/{cve.lower()}",
        "links": [],
        "target": "",
    }
