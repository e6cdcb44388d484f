"""The PagerDuty stand-in as the real service behaves, driven by the `pagerduty` package over HTTPS:
status changes PagerDuty refuses, reopening, escalation levels, maintenance windows, services,
on-call time ranges, and `/_sandbox/page` announcing what it opens with a signed webhook."""

import hashlib
import hmac
import json

import pagerduty
import pytest
import requests

from sandbox.httpstub import Response, StubServer
from sandbox.pagerduty_api import PagerDutyStub

SECRETS = ["stub-test-secret"]


@pytest.fixture(scope="module")
def stub():
    server = PagerDutyStub(webhook_secrets=SECRETS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pd(stub):
    stub.reset()
    return pagerduty.RestApiV2Client(
        "sandbox-key", default_from="ops1@example.com", base_url=stub.url, verify=stub.client_ssl_context()
    )


@pytest.fixture(scope="module")
def receiver():
    """A bot stand-in that records each webhook delivery (headers, body) and answers 202."""
    server = StubServer("webhook-receiver")
    server.deliveries = []
    server.route(
        "POST",
        r"/pagerduty/webhook",
        lambda req: (
            server.deliveries.append((req.headers, req.body)) or Response(202, {"status": "accepted"})
        ),
    )
    server.start()
    yield server
    server.stop()


def refusal(call) -> tuple[int, dict]:
    with pytest.raises(pagerduty.HttpError) as caught:
        call()
    return caught.value.response.status_code, caught.value.response.json()


def put(pd, incident_id: str, **change):
    return pd.rput(f"incidents/{incident_id}", json={"type": "incident_reference", **change})


def test_setting_an_open_incident_to_triggered_is_refused_with_pagerdutys_invalid_input_body(pd, stub):
    assert refusal(lambda: put(pd, "PINC002", status="triggered")) == (
        400,
        {
            "error": {
                "message": "Invalid Input Provided",
                "code": 2001,
                "errors": [
                    "Status 'triggered' is invalid: an open incident can only be acknowledged or resolved"
                ],
            }
        },
    )
    assert stub.incident("PINC002")["status"] == "acknowledged"


def test_an_unknown_status_is_refused_as_invalid_input(pd):
    status, body = refusal(lambda: put(pd, "PINC001", status="snoozed"))
    assert (status, body["error"]["code"]) == (400, 2001)


def test_resolving_a_resolved_incident_is_refused_as_already_resolved(pd):
    assert refusal(lambda: put(pd, "PINC003", status="resolved")) == (
        400,
        {"error": {"message": "Incident Already Resolved", "code": 1001}},
    )


def test_acknowledging_a_resolved_incident_reopens_it_assigned_to_the_requester(pd):
    incident = put(pd, "PINC003", status="acknowledged")
    assert (incident["status"], [a["assignee"]["id"] for a in incident["assignments"]]) == (
        "acknowledged",
        ["PUSER01"],
    )


def test_triggered_on_a_resolved_incident_reopens_it_at_level_one(pd, stub):
    incident = put(pd, "PINC003", status="triggered")
    assert (
        incident["status"],
        incident["assignments"][0]["assignee"]["id"],
        stub.escalation_level("PINC003"),
    ) == (
        "triggered",
        "PUSER01",
        1,
    )


def test_escalating_an_acknowledged_incident_triggers_it_again_for_that_levels_on_call(pd, stub):
    incident = put(pd, "PINC002", escalation_level=3)
    assert (
        incident["status"],
        incident["assignments"][0]["assignee"]["id"],
        incident["acknowledgements"],
    ) == (
        "triggered",
        "PUSER03",
        [],
    )
    assert stub.escalation_level("PINC002") == 3


def test_escalating_past_the_policys_last_level_is_refused_with_cannot_escalate(pd, stub):
    status, body = refusal(lambda: put(pd, "PINC001", escalation_level=9))
    assert (status, body["error"]["code"], body["error"]["message"]) == (400, 1006, "Cannot Escalate")
    assert stub.escalation_level("PINC001") == 1


def test_assignments_reassign_the_incident_to_the_named_user(pd, stub):
    incident = put(pd, "PINC001", assignments=[{"assignee": {"id": "PUSER04", "type": "user_reference"}}])
    assert (incident["assignments"][0]["assignee"]["id"], incident["assigned_via"]) == (
        "PUSER04",
        "direct_assignment",
    )


def test_a_put_body_of_the_wrong_shape_is_a_400_not_a_crash(pd):
    assert refusal(lambda: pd.jput("incidents/PINC001", json=["not", "an", "object"]))[0] == 400
    bad = [{"assignee": "PUSER02"}]
    assert refusal(lambda: put(pd, "PINC001", assignments=bad))[1]["error"]["code"] == 1007


def test_an_incident_can_embed_its_assignees_as_full_users(pd):
    incident = pd.rget("incidents/PINC001", params={"include": ["assignees"]})
    assert incident["assignments"][0]["assignee"]["email"] == "ops1@example.com"


def test_services_are_the_platforms_and_can_be_searched(pd):
    assert [s["name"] for s in pd.list_all("services")] == ["vLLM Inference", "RAG Service", "Qdrant"]
    assert [s["id"] for s in pd.list_all("services", params={"query": "qdr"})] == ["PSVCQDR"]


def window_body(start: str, end: str, services=("PSVCRAG",)) -> dict:
    return {
        "type": "maintenance_window",
        "start_time": start,
        "end_time": end,
        "description": "driver upgrade",
        "services": [{"id": s, "type": "service_reference"} for s in services],
    }


def test_a_maintenance_window_puts_its_services_in_maintenance_until_deleted(pd):
    window = pd.rpost(
        "maintenance_windows", json=window_body("2020-01-01T00:00:00Z", "2099-01-01T00:00:00-05:00")
    )
    assert (window["id"], window["end_time"], window["created_by"]["id"]) == (
        "PMW0001",
        "2099-01-01T05:00:00Z",
        "PUSER01",
    )
    assert pd.rget("services/PSVCRAG")["status"] == "maintenance"
    assert [w["id"] for w in pd.list_all("maintenance_windows", params={"filter": "ongoing"})] == ["PMW0001"]
    pd.rdelete("maintenance_windows/PMW0001")
    assert pd.list_all("maintenance_windows", params={"filter": "ongoing"}) == []
    assert [w["id"] for w in pd.list_all("maintenance_windows", params={"filter": "past"})] == ["PMW0001"]
    assert pd.rget("services/PSVCRAG")["status"] == "active"


def test_a_window_that_already_ended_cannot_be_deleted(pd):
    pd.rpost("maintenance_windows", json=window_body("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"))
    pd.rdelete("maintenance_windows/PMW0001")
    assert refusal(lambda: pd.rdelete("maintenance_windows/PMW0001")) == (
        405,
        {"error": {"message": "Cannot cancel a maintenance window from the past", "code": 5003}},
    )


def test_a_future_window_is_deleted_outright_and_lists_filter_by_service(pd):
    pd.rpost("maintenance_windows", json=window_body("2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z"))
    by_service = {
        s: [w["id"] for w in pd.list_all("maintenance_windows", params={"service_ids": [s]})]
        for s in ("PSVCRAG", "PSVCLLM")
    }
    assert by_service == {"PSVCRAG": ["PMW0001"], "PSVCLLM": []}
    pd.rdelete("maintenance_windows/PMW0001")
    assert refusal(lambda: pd.rget("maintenance_windows/PMW0001"))[0] == 404


def test_a_window_ending_in_the_past_or_on_an_unknown_service_is_refused(pd):
    ended = window_body("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")
    unknown = window_body("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", services=("PNOPE",))
    codes = [
        refusal(lambda body=body: pd.rpost("maintenance_windows", json=body)) for body in (ended, unknown)
    ]
    assert [(status, body["error"]["code"]) for status, body in codes] == [(400, 2001), (400, 5002)]


def test_oncalls_for_a_past_moment_cover_it_and_bad_times_are_refused(pd):
    oncalls = pd.list_all(
        "oncalls", params={"since": "2024-05-01T09:00:00Z", "until": "2024-05-01T09:00:01Z"}
    )
    primary = next(o for o in oncalls if o["escalation_level"] == 1)
    assert (primary["start"], primary["end"]) == ("2024-04-29T00:00:00Z", "2024-05-06T00:00:00Z")
    assert refusal(lambda: pd.list_all("oncalls", params={"since": "yesterday"}))[1]["error"]["code"] == 2004


def test_page_opens_a_triggered_incident_at_level_one_with_the_priority_reference(stub):
    stub.reset()
    incident = stub.page("P0", "vLLM down", service="Qdrant")
    assert (
        incident["status"],
        incident["incident_number"],
        incident["priority"]["id"],
        incident["service"]["id"],
        incident["assignments"][0]["assignee"]["id"],
        stub.escalation_level(incident["id"]),
    ) == ("triggered", 104, "PPRIO00", "PSVCQDR", "PUSER01", 1)
    assert len(incident["id"]) == 14 and incident["id"].startswith("Q")


def test_page_opens_nothing_for_a_service_in_maintenance(pd, stub):
    pd.rpost("maintenance_windows", json=window_body("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"))
    assert stub.page("P1", "RAG slow", service="RAG Service") is None


def test_the_page_route_opens_an_incident_and_delivers_a_signed_trigger_for_it(stub, receiver):
    stub.reset()
    receiver.deliveries.clear()
    answer = requests.post(
        f"{stub.url}/_sandbox/page",
        json={
            "priority": "P2",
            "title": "Qdrant disk 85%",
            "webhook_url": f"{receiver.url}/pagerduty/webhook",
        },
        verify=stub.ca_file,
        timeout=5,
    )
    incident = answer.json()["incident"]
    [(headers, body)] = receiver.deliveries
    want = "v1=" + hmac.new(SECRETS[0].encode(), body, hashlib.sha256).hexdigest()
    data = json.loads(body)["event"]["data"]
    assert (answer.status_code, answer.json()["delivery"], headers["X-PagerDuty-Signature"]) == (
        201,
        {"status": 202},
        want,
    )
    assert (data["id"], data["number"], data["title"], data["priority"]["summary"]) == (
        incident["id"],
        incident["incident_number"],
        "Qdrant disk 85%",
        "P2",
    )


def test_the_page_route_refuses_a_bad_priority_or_service_in_pagerdutys_error_shape(stub):
    answers = [
        requests.post(f"{stub.url}/_sandbox/page", json=spec, verify=stub.ca_file, timeout=5)
        for spec in ({"priority": "SEV1", "title": "x"}, {"priority": "P1", "service": "Kafka"}, ["P1"])
    ]
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [(400, 2001)] * 3
