"""The OSV stand-in answers POST /v1/query as api.osv.dev does, over plain HTTP."""

import pytest
import requests

from sandbox.osv import OsvStub


@pytest.fixture(scope="module")
def osv():
    server = OsvStub(page_size=2)
    server.start()
    yield server
    server.stop()


def _query(osv, **body) -> requests.Response:
    return requests.post(f"{osv.url}/v1/query", json=body, timeout=5)


def test_an_old_version_gets_osv_records_in_pages(osv):
    first = _query(osv, package={"name": "vllm", "ecosystem": "PyPI"}, version="0.3.0").json()
    second = _query(
        osv,
        package={"name": "vllm", "ecosystem": "PyPI"},
        version="0.3.0",
        page_token=first["next_page_token"],
    ).json()
    records = first["vulns"] + second["vulns"]
    assert len(records) == 4 and "next_page_token" not in second
    assert {"id", "summary", "aliases", "affected", "severity", "database_specific"} <= set(records[0])


def test_a_fixed_version_gets_an_empty_object(osv):
    assert _query(osv, package={"name": "vllm", "ecosystem": "PyPI"}, version="0.7.2").json() == {}


def test_names_match_as_pypi_normalises_them(osv):
    answer = _query(osv, package={"name": "VLLM", "ecosystem": "PyPI"}, version="0.6.0").json()
    assert [v["aliases"] for v in answer["vulns"]] == [["CVE-2025-24357"], ["CVE-2025-25183"]]


def test_an_unknown_ecosystem_is_a_400_with_osvs_error_shape(osv):
    answer = _query(osv, package={"name": "vllm", "ecosystem": "pip"}, version="0.3.0")
    assert (answer.status_code, answer.json()) == (400, {"code": 3, "message": "Invalid ecosystem."})
