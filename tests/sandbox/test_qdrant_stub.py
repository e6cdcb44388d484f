"""The Qdrant stand-in's snapshot delete answers as Qdrant does, over plain HTTP."""

import pytest
import requests

from sandbox.qdrant import QdrantStub


@pytest.fixture(scope="module")
def qdrant():
    server = QdrantStub()
    server.start()
    yield server
    server.stop()


def test_delete_answers_true_and_the_snapshot_is_gone(qdrant):
    base = f"{qdrant.url}/collections/enterprise_knowledge/snapshots"
    name = requests.post(base, timeout=5).json()["result"]["name"]
    answer = requests.delete(f"{base}/{name}", params={"wait": "true"}, timeout=5)
    body = answer.json()
    assert (answer.status_code, body["result"], body["status"], isinstance(body["time"], float)) == (
        200,
        True,
        "ok",
        True,
    )
    assert name not in [s["name"] for s in qdrant.snapshots("enterprise_knowledge")]
    assert requests.get(f"{base}/{name}", timeout=5).status_code == 404


def test_deleting_an_unknown_snapshot_is_a_404_with_qdrants_error_shape(qdrant):
    answer = requests.delete(
        f"{qdrant.url}/collections/enterprise_knowledge/snapshots/nothing-here.snapshot", timeout=5
    )
    assert answer.status_code == 404
    assert answer.json()["status"]["error"].startswith("Not found: Snapshot nothing-here.snapshot")
