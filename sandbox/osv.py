"""An OSV API stand-in: `POST /v1/query` {package: {name, ecosystem}, version, page_token} answers the
advisories whose ECOSYSTEM ranges hold that version, `{}` when none do, in pages linked by
`next_page_token`. Seeded with advisories modeled on vLLM's published ones (the CVE ids and CVSS
vectors are the real ones; the GHSA/PYSEC ids are the sandbox's), all affecting the v0.3.0 it runs."""

from __future__ import annotations

import re
import threading

from sandbox.httpstub import HasStub, Request, Response, StubServer

ECOSYSTEMS = {"PyPI", "npm", "Go", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist"}


def _record(
    osv_id: str, cve: str, summary: str, fixed: str, vector: str, rating: str, published: str
) -> dict:
    return {
        "id": osv_id,
        "summary": summary,
        "details": summary,
        "aliases": [cve],
        "modified": "2025-03-01T00:00:00Z",
        "published": published,
        "severity": [{"type": "CVSS_V3", "score": vector}],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "vllm", "purl": "pkg:pypi/vllm"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
        "references": [{"type": "ADVISORY", "url": f"https://nvd.nist.gov/vuln/detail/{cve}"}],
        "database_specific": {"severity": rating, "github_reviewed": True, "cwe_ids": []},
        "schema_version": "1.6.0",
    }


ADVISORIES = [
    _record(
        "GHSA-sbx1-8768-vllm",
        "CVE-2024-8768",
        "vLLM API server crashes on a completions request with an empty prompt",
        "0.5.5",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "HIGH",
        "2024-09-17T00:00:00Z",
    ),
    _record(
        "GHSA-sbx2-4357-vllm",
        "CVE-2025-24357",
        "vLLM loads model weights with torch.load(weights_only=False): a malicious checkpoint runs code",
        "0.7.0",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H",
        "HIGH",
        "2025-01-27T00:00:00Z",
    ),
    _record(
        "GHSA-sbx3-5183-vllm",
        "CVE-2025-25183",
        "vLLM prefix caching hashes with Python's hash(): crafted prompts can collide and reuse a cache",
        "0.7.2",
        "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:N/I:L/A:N",
        "LOW",
        "2025-02-07T00:00:00Z",
    ),
    {  # PyPI's own record of the first one, as OSV also serves it: no severity, the GHSA as an alias
        "id": "PYSEC-2024-SBX1",
        "details": "vLLM 0.5.4 and earlier: an empty prompt crashes the completions API (denial of service).",
        "aliases": ["CVE-2024-8768", "GHSA-sbx1-8768-vllm"],
        "modified": "2025-03-01T00:00:00Z",
        "published": "2024-09-17T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "vllm", "purl": "pkg:pypi/vllm"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.5.5"}]}],
            }
        ],
    },
]


class OsvStub(HasStub):
    """`advisories` may be changed by tests; `page_size` makes pages small enough to see."""

    def __init__(self, page_size: int = 1000) -> None:
        self._lock = threading.Lock()
        self.advisories = [dict(a) for a in ADVISORIES]
        self.page_size = page_size
        self.stub = StubServer("osv")
        self.stub.route("POST", r"/v1/query", self._query)

    def _query(self, req: Request) -> Response:
        try:
            body = req.json() or {}
            package, version = body["package"], body.get("version")
            name, ecosystem = package["name"], package["ecosystem"]
        except (ValueError, KeyError, TypeError):
            return Response(400, {"code": 3, "message": "Invalid query."})
        if ecosystem not in ECOSYSTEMS:
            return Response(400, {"code": 3, "message": "Invalid ecosystem."})
        with self._lock:
            found = [a for a in self.advisories if _affects(a, _normal(name), ecosystem, version)]
        start = int(body.get("page_token") or 0)
        page = found[start : start + self.page_size]
        if not page:
            return Response(body={})
        more = start + self.page_size < len(found)
        return Response(
            body={"vulns": page} | ({"next_page_token": str(start + self.page_size)} if more else {})
        )


def _affects(record: dict, name: str, ecosystem: str, version: str | None) -> bool:
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != ecosystem or _normal(package.get("name", "")) != name:
            continue
        if version is None or any(_inside(span, version) for span in affected.get("ranges", [])):
            return True
    return False


def _inside(span: dict, version: str) -> bool:
    introduced, fixed = (0,), None
    for event in span.get("events", []):
        introduced = _key(event["introduced"]) if "introduced" in event else introduced
        fixed = _key(event["fixed"]) if "fixed" in event else fixed
    return introduced <= _key(version) and (fixed is None or _key(version) < fixed)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3]) or (0,)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
