"""The PagerDuty, Qdrant, RAG and inference stand-ins, driven by the real pagerduty client and requests."""

import hashlib
import re

import pagerduty
import pytest
import requests

from sandbox.inference import MODEL, InferenceStub
from sandbox.pagerduty_api import NO_FROM, PagerDutyStub
from sandbox.qdrant import QdrantStub
from sandbox.rag import RagStub


def started(server):
    server.start()
    return server


@pytest.fixture(scope="module")
def pd_stub():
    server = started(PagerDutyStub())
    yield server
    server.stop()


@pytest.fixture
def pd(pd_stub):
    pd_stub.reset()
    return pagerduty.RestApiV2Client(
        "sandbox-key",
        default_from="llmbot@example.com",
        base_url=pd_stub.url,
        verify=pd_stub.client_ssl_context(),
    )


@pytest.fixture(scope="module")
def qdrant():
    server = started(QdrantStub())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def rag_stub():
    server = started(RagStub())
    yield server
    server.stop()


@pytest.fixture
def rag(rag_stub):
    rag_stub.reset()
    return rag_stub


@pytest.fixture(scope="module")
def inference():
    server = started(InferenceStub())
    yield server
    server.stop()


# ---- PagerDuty ----------------------------------------------------------------------------------
def test_acknowledging_an_incident_records_the_requester(pd, pd_stub):
    incident = pd.rput("incidents/PINC001", json={"type": "incident_reference", "status": "acknowledged"})
    acknowledger = incident["acknowledgements"][-1]["acknowledger"]["id"]
    assert (incident["status"], acknowledger, pd_stub.calls()[-1]["from"]) == (
        "acknowledged",
        "PUSERBOT",
        "llmbot@example.com",
    )


def test_a_note_is_added_to_the_incident(pd, pd_stub):
    note = pd.rpost("incidents/PINC001/notes", json={"content": "Rolled back to v41."})
    assert (note["content"], [n["content"] for n in pd_stub.notes("PINC001")]) == (
        "Rolled back to v41.",
        ["Rolled back to v41."],
    )


def test_oncalls_list_five_levels_for_the_policy(pd):
    oncalls = pd.list_all("oncalls", params={"escalation_policy_ids": ["PEPLLM1"], "include": ["users"]})
    assert [(o["escalation_level"], o["user"]["email"]) for o in oncalls] == [
        (1, "ops1@example.com"),
        (2, "ops2@example.com"),
        (3, "manager@example.com"),
        (4, "lead@example.com"),
        (5, "cto@example.com"),
    ]


def test_priorities_are_listed_most_severe_first(pd):
    assert [p["name"] for p in pd.rget("priorities")] == ["P0", "P1", "P2", "P3"]


def test_incidents_can_be_filtered_by_status(pd):
    assert [i["id"] for i in pd.list_all("incidents", params={"statuses": ["triggered"]})] == ["PINC001"]


def test_escalating_assigns_the_next_level(pd, pd_stub):
    incident = pd.rput("incidents/PINC001", json={"type": "incident_reference", "escalation_level": 2})
    assert (incident["assignments"][0]["assignee"]["id"], pd_stub.escalation_level("PINC001")) == (
        "PUSER02",
        2,
    )


def test_a_write_without_a_from_header_is_refused_with_code_2001(pd_stub):
    client = pagerduty.RestApiV2Client(
        "sandbox-key", base_url=pd_stub.url, verify=pd_stub.client_ssl_context()
    )
    with pytest.raises(pagerduty.HttpError) as caught:
        client.rput("incidents/PINC001", json={"type": "incident_reference", "status": "acknowledged"})
    assert (caught.value.response.status_code, caught.value.response.json()) == (
        400,
        {"error": {"message": NO_FROM, "code": 2001}},
    )


def test_a_rate_limit_raises_once_client_retries_are_bounded(pd, pd_stub):
    pd_stub.ratelimit(5)
    pd.retry[429] = 1  # one retry, then the 429 response is returned and rget raises HttpError
    pd.sleep_timer = 0
    with pytest.raises(pagerduty.HttpError) as caught:
        pd.rget("incidents/PINC001")
    body = caught.value.response.json()
    assert (caught.value.response.status_code, body["error"]["code"], len(pd_stub.calls())) == (429, 2020, 2)


# ---- Qdrant -------------------------------------------------------------------------------------
def test_a_snapshot_is_named_sized_and_checksummed_like_qdrant(qdrant):
    created = requests.post(f"{qdrant.url}/collections/documents/snapshots", timeout=5).json()["result"]
    content = requests.get(
        f"{qdrant.url}/collections/documents/snapshots/{created['name']}", timeout=5
    ).content
    assert re.fullmatch(r"documents-\d+-\d{4}(-\d\d){5}\.snapshot", created["name"])
    assert (created["size"], created["checksum"]) == (len(content), hashlib.sha256(content).hexdigest())


def test_a_download_can_be_cut_off_mid_transfer(qdrant):
    name = requests.post(f"{qdrant.url}/collections/documents/snapshots", timeout=5).json()["result"]["name"]
    requests.post(f"{qdrant.url}/_sandbox/fail_download_after", json={"bytes": 1000}, timeout=5)
    with pytest.raises(requests.exceptions.RequestException):
        _ = requests.get(f"{qdrant.url}/collections/documents/snapshots/{name}", timeout=5).content


def test_recovering_from_a_snapshot_url_restores_the_points(qdrant):
    snap = requests.post(f"{qdrant.url}/collections/documents/snapshots", timeout=5).json()["result"]
    qdrant.set_points("documents", 0)
    location = f"{qdrant.url}/collections/documents/snapshots/{snap['name']}"
    answer = requests.put(
        f"{qdrant.url}/collections/documents/snapshots/recover",
        json={"location": location, "checksum": snap["checksum"]},
        timeout=5,
    )
    assert (answer.json()["result"], qdrant.collection("documents")["points_count"]) == (True, 48_213)


def test_uploading_a_snapshot_restores_the_points(qdrant):
    snap = requests.post(f"{qdrant.url}/collections/documents/snapshots", timeout=5).json()["result"]
    content = requests.get(f"{qdrant.url}/collections/documents/snapshots/{snap['name']}", timeout=5).content
    qdrant.set_points("documents", 7)
    answer = requests.post(
        f"{qdrant.url}/collections/documents/snapshots/upload",
        files={"snapshot": (snap["name"], content)},
        timeout=5,
    )
    assert (answer.status_code, qdrant.collection("documents")["points_count"]) == (200, 48_213)


def test_a_truncated_snapshot_is_refused_on_upload(qdrant):
    snap = requests.post(f"{qdrant.url}/collections/documents/snapshots", timeout=5).json()["result"]
    content = requests.get(f"{qdrant.url}/collections/documents/snapshots/{snap['name']}", timeout=5).content
    answer = requests.post(
        f"{qdrant.url}/collections/documents/snapshots/upload",
        files={"snapshot": (snap["name"], content[:5000])},
        timeout=5,
    )
    assert answer.status_code == 400


def test_qdrant_answers_healthz(qdrant):
    assert requests.get(f"{qdrant.url}/healthz", timeout=5).text == "healthz check passed"


# ---- RAG ----------------------------------------------------------------------------------------
def test_resending_a_document_does_not_index_it_twice(rag):
    batch = {"documents": [{"id": "runbook-1", "text": "Restart vLLM pods", "metadata": {}}]}
    requests.post(f"{rag.url}/v1/documents", json=batch, timeout=5)
    again = requests.post(f"{rag.url}/v1/documents", json=batch, timeout=5).json()
    assert (again, len(rag.documents())) == ({"accepted": 0, "duplicates": 1, "rejected": []}, 1)


def test_documents_without_id_or_text_are_rejected(rag):
    batch = {"documents": [{"text": "no id"}, {"id": "blank", "text": "  "}, {"id": "ok", "text": "fine"}]}
    report = requests.post(f"{rag.url}/v1/documents", json=batch, timeout=5).json()
    assert report == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [{"id": None, "error": "missing id"}, {"id": "blank", "error": "empty text"}],
    }


def test_an_injected_batch_failure_indexes_nothing(rag):
    requests.post(f"{rag.url}/_sandbox/reject_next_batch", json={"status": 503}, timeout=5)
    answer = requests.post(
        f"{rag.url}/v1/documents", json={"documents": [{"id": "a", "text": "x"}]}, timeout=5
    )
    count = requests.get(f"{rag.url}/_sandbox/documents", timeout=5).json()["count"]
    assert (answer.status_code, count) == (503, 0)


def test_a_query_ranks_documents_by_overlap(rag):
    documents = [
        {"id": "gpu", "text": "GPU node drain runbook"},
        {"id": "vllm", "text": "vLLM latency runbook"},
    ]
    requests.post(f"{rag.url}/v1/documents", json={"documents": documents}, timeout=5)
    hits = requests.post(f"{rag.url}/v1/query", json={"query": "vLLM latency", "top_k": 1}, timeout=5).json()
    assert [h["id"] for h in hits["hits"]] == ["vllm"]


# ---- inference ----------------------------------------------------------------------------------
def test_inference_lists_the_llama_model(inference):
    models = requests.get(f"{inference.url}/v1/models", timeout=5).json()
    assert [m["id"] for m in models["data"]] == [MODEL]


def test_a_completion_has_the_openai_shape(inference):
    answer = requests.post(
        f"{inference.url}/v1/completions",
        json={"model": MODEL, "prompt": "Say hi", "max_tokens": 3},
        timeout=5,
    ).json()
    assert (
        answer["object"],
        answer["choices"][0]["finish_reason"],
        answer["usage"]["completion_tokens"],
    ) == ("text_completion", "length", 3)
