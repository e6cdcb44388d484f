"""OsvClient against the OSV stand-in: advisories for the running vLLM version, with severity, CVE
aliases and fixed versions, PYSEC duplicates folded away, pages followed."""

import pytest
import requests

from integrations.cvss import base_score, rating
from integrations.errors import Unavailable
from integrations.osv import OsvClient
from sandbox.osv import OsvStub


@pytest.fixture(scope="module")
def stub():
    server = OsvStub()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def osv(stub):
    stub.page_size = 1000
    return OsvClient(stub.url, timeout_seconds=2.0)


def test_the_running_version_has_three_advisories_worst_first_each_once(osv):
    found = osv.query("vllm", "v0.3.0")
    assert [(a.cves, a.severity, a.cvss_score, a.fixed) for a in found] == [
        (["CVE-2024-8768"], "HIGH", 7.5, ["0.5.5"]),
        (["CVE-2025-24357"], "HIGH", 7.5, ["0.7.0"]),
        (["CVE-2025-25183"], "LOW", 2.6, ["0.7.2"]),
    ]
    assert found[0].id == "GHSA-sbx1-8768-vllm"  # not its severity-less PYSEC twin
    assert found[0].url == "https://osv.dev/vulnerability/GHSA-sbx1-8768-vllm"
    assert found[0].summary.startswith("vLLM API server crashes")


def test_a_version_past_every_fix_has_no_advisories(osv):
    assert osv.query("vllm", "0.7.2") == []


def test_only_advisories_still_open_at_that_version_come_back(osv):
    assert [a.cves for a in osv.query("vllm", "0.6.0")] == [["CVE-2025-24357"], ["CVE-2025-25183"]]


def test_pages_are_followed_to_the_end(osv, stub):
    stub.page_size = 1
    assert len(osv.query("vllm", "0.3.0")) == 3


def test_a_query_osv_refuses_is_unavailable_with_its_reason(osv):
    with pytest.raises(Unavailable, match="HTTP 400: Invalid ecosystem.") as refused:
        osv.query("vllm", "0.3.0", ecosystem="pip")
    assert refused.value.system == "osv"


def test_osv_not_answering_in_time_is_unavailable(stub):
    requests.post(f"{stub.url}/_sandbox/fault", json={"delay_seconds": 0.5}, timeout=5)
    try:
        with pytest.raises(Unavailable, match="no answer within 0.2 s"):
            OsvClient(stub.url, timeout_seconds=0.2).query("vllm", "0.3.0")
    finally:
        requests.post(f"{stub.url}/_sandbox/fault", json={}, timeout=5)


@pytest.mark.parametrize(
    ("vector", "score", "label"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "MEDIUM"),
        ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "CRITICAL"),
        ("CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:N/I:L/A:N", 2.6, "LOW"),
    ],
)
def test_cvss_vectors_score_as_first_publishes_them(vector, score, label):
    assert (base_score(vector), rating(base_score(vector))) == (score, label)


def test_a_cvss_v4_vector_has_no_v3_score():
    assert base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") is None
