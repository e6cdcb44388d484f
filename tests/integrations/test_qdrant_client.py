"""QdrantClient against the Qdrant stand-in: the manual's collection, and a snapshot deleted from
Qdrant's disk once it is safe elsewhere."""

import pytest

from integrations.errors import NotFound
from integrations.qdrant import QdrantClient
from sandbox.qdrant import QdrantStub


@pytest.fixture(scope="module")
def stub():
    server = QdrantStub()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def qdrant(stub):
    return QdrantClient(stub.url, timeout_seconds=2.0)


def test_the_manuals_collection_is_there_beside_documents(qdrant):
    assert (qdrant.points("enterprise_knowledge"), qdrant.points("documents")) == (48_213, 48_213)


def test_a_deleted_snapshot_leaves_qdrants_disk_and_its_neighbours_stay(qdrant):
    kept, gone = (
        qdrant.create_snapshot("enterprise_knowledge"),
        qdrant.create_snapshot("enterprise_knowledge"),
    )
    qdrant.delete_snapshot("enterprise_knowledge", gone.name)
    names = [s.name for s in qdrant.snapshots("enterprise_knowledge")]
    assert kept.name in names and gone.name not in names


def test_deleting_a_snapshot_twice_is_not_found(qdrant):
    snapshot = qdrant.create_snapshot("enterprise_knowledge")
    qdrant.delete_snapshot("enterprise_knowledge", snapshot.name)
    with pytest.raises(NotFound, match="not found") as missing:
        qdrant.delete_snapshot("enterprise_knowledge", snapshot.name)
    assert missing.value.system == "qdrant"


def test_deleting_from_a_collection_that_does_not_exist_is_not_found(qdrant):
    with pytest.raises(NotFound, match="Collection `nope` doesn't exist"):
        qdrant.delete_snapshot("nope", "nope-1-2025-03-01-18-00-00.snapshot")
