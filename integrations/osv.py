"""OSV (api.osv.dev) advisories for one package version: `POST /v1/query` by name, ecosystem and
version, following `next_page_token`. Each advisory comes back with its aliases (CVE ids), a severity
(GitHub's rating when the record has one, else the CVSS v3 vector's), and the versions that fix it.
Errors come out as Unavailable with system "osv"."""

from __future__ import annotations

import re
from datetime import datetime

import requests
from pydantic import BaseModel

from integrations.cvss import base_score, rating
from integrations.errors import Unavailable
from integrations.http import call

SYSTEM = "osv"
MAX_PAGES = 10
_RATINGS = {"LOW": "LOW", "MODERATE": "MEDIUM", "MEDIUM": "MEDIUM", "HIGH": "HIGH", "CRITICAL": "CRITICAL"}
_RANK = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


class Advisory(BaseModel):
    id: str  # GHSA-..., PYSEC-..., OSV-...
    summary: str
    aliases: list[str] = []
    severity: str | None = None  # LOW, MEDIUM, HIGH, CRITICAL
    cvss_vector: str | None = None
    cvss_score: float | None = None  # computed from a v3 vector; None for v4-only or unscored records
    fixed: list[str] = []  # versions of this package that fix it, oldest range first
    published: datetime | None = None

    @property
    def url(self) -> str:
        return f"https://osv.dev/vulnerability/{self.id}"

    @property
    def cves(self) -> list[str]:
        return [a for a in [self.id, *self.aliases] if a.startswith("CVE-")]


class OsvClient:
    def __init__(self, url: str = "https://api.osv.dev", timeout_seconds: float = 10.0):
        self._base, self._timeout = url.rstrip("/"), timeout_seconds
        self._session = requests.Session()

    def query(self, package: str, version: str, ecosystem: str = "PyPI") -> list[Advisory]:
        """Advisories affecting `package` at `version`, worst first; a record that is another's alias
        (PYSEC beside GHSA) is folded into it. For PyPI a leading "v" (an image tag's) is dropped."""
        if ecosystem == "PyPI":
            version = version.removeprefix("v")
        request: dict = {"package": {"name": package, "ecosystem": ecosystem}, "version": version}
        records: list[dict] = []
        for _ in range(MAX_PAGES):
            response = call(
                SYSTEM, self._session, "POST", f"{self._base}/v1/query", self._timeout, json=request
            )
            page = _json(response)
            records += page.get("vulns") or []  # OSV answers {} when nothing matches
            if not page.get("next_page_token"):
                advisories = [_advisory(r, package, ecosystem) for r in records if not r.get("withdrawn")]
                return _folded(advisories)
            request["page_token"] = page["next_page_token"]
        raise Unavailable(SYSTEM, f"more than {MAX_PAGES} pages of advisories for {package} {version}")


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise Unavailable(SYSTEM, "answered something that is not JSON") from None
    return body if isinstance(body, dict) else {}


def _advisory(record: dict, package: str, ecosystem: str) -> Advisory:
    vector = next(
        (s["score"] for s in record.get("severity") or [] if s.get("type", "").startswith("CVSS_V3")), None
    )
    score = base_score(vector) if vector else None
    label = _RATINGS.get(str((record.get("database_specific") or {}).get("severity", "")).upper())
    return Advisory(
        id=record["id"],
        summary=record.get("summary") or (record.get("details") or "").split("\n", 1)[0][:200],
        aliases=record.get("aliases") or [],
        severity=label or (rating(score) if score is not None else None),
        cvss_vector=vector,
        cvss_score=score,
        fixed=_fixed(record, package, ecosystem),
        published=record.get("published"),
    )


def _fixed(record: dict, package: str, ecosystem: str) -> list[str]:
    versions: list[str] = []
    for affected in record.get("affected") or []:
        named = affected.get("package") or {}
        if named.get("ecosystem") != ecosystem or _normal(named.get("name", "")) != _normal(package):
            continue
        for span in affected.get("ranges") or []:
            versions += [
                e["fixed"] for e in span.get("events") or [] if "fixed" in e and e["fixed"] not in versions
            ]
    return versions


def _normal(name: str) -> str:
    """PyPI's name normalisation (PEP 503), harmless for other ecosystems' names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _folded(advisories: list[Advisory]) -> list[Advisory]:
    """One entry per vulnerability, worst first: a record sharing an id or alias with one already kept
    is skipped, and records with a severity are kept first."""
    ordered = sorted(advisories, key=lambda a: (a.severity is None, a.id))
    kept, seen = [], set()
    for advisory in ordered:
        if {advisory.id, *advisory.aliases} & seen:
            continue
        kept.append(advisory)
        seen.update([advisory.id, *advisory.aliases])
    return sorted(kept, key=lambda a: (-_RANK.get(a.severity, 0), -(a.cvss_score or 0), a.id))
