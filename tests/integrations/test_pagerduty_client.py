"""Our PagerDuty client against the stand-in over HTTPS: it returns models, translates PagerDuty's
refusals, reads the current escalation level back, manages maintenance windows, and acts on incidents
the sandbox paged and announced with a signed webhook."""

from datetime import datetime, timedelta, timezone

import pytest

from integrations.errors import IntegrationError, NotFound, Unavailable
from integrations.pagerduty import PagerDutyClient, PdIncident
from integrations.pagerduty_events import parse
from integrations.pagerduty_models import Person
from sandbox import pagerduty_sender
from sandbox.httpstub import Response, StubServer
from sandbox.pagerduty_api import NO_FROM, PagerDutyStub

SECRETS = ["client-test-secret"]


@pytest.fixture(scope="module")
def stub():
    server = PagerDutyStub(webhook_secrets=SECRETS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(stub):
    stub.reset()
    pd = PagerDutyClient(
        stub.url, "sandbox-key", "llmbot@example.com", timeout_seconds=2, ca_file=stub.ca_file
    )
    yield pd
    pd.close()


@pytest.fixture(scope="module")
def bot_inbox():
    """Where the bot would listen: records every webhook body it is sent."""
    server = StubServer("bot-inbox")
    server.bodies = []
    server.route(
        "POST",
        r"/pagerduty/webhook",
        lambda req: server.bodies.append(req.body) or Response(202, {"ok": True}),
    )
    server.start()
    yield server
    server.stop()


def test_an_incident_is_read_as_a_model_with_its_assignees_emails(client):
    incident = client.incident("PINC001")
    assert incident.model_dump(exclude={"created_at", "last_status_change_at", "assigned_at"}) == {
        "id": "PINC001",
        "number": 101,
        "title": "vLLM p99 latency above SLO",
        "status": "triggered",
        "service_id": "PSVCLLM",
        "service_name": "vLLM Inference",
        "priority": "P1",
        "urgency": "high",
        "policy_id": "PEPLLM1",
        "assignees": [{"id": "PUSER01", "name": "Olivia Ops", "email": "ops1@example.com"}],
        "html_url": "https://llm-platform.pagerduty.com/incidents/PINC001",
    }
    assert incident.created_at == datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


def test_the_client_has_no_unacknowledge_because_pagerduty_cannot_do_it(client):
    assert not hasattr(client, "unacknowledge")


def test_a_refused_change_raises_integration_error_carrying_pagerdutys_message(client):
    with pytest.raises(IntegrationError) as caught:
        client.resolve("PINC003", "ops1@example.com")
    assert (type(caught.value), caught.value.system, caught.value.message) == (
        IntegrationError,
        "pagerduty",
        "Incident Already Resolved",
    )


def test_a_missing_from_header_raises_pagerdutys_own_words(stub):
    stub.reset()
    anonymous = PagerDutyClient(stub.url, "sandbox-key", ca_file=stub.ca_file)
    with pytest.raises(IntegrationError) as caught:
        anonymous.acknowledge("PINC001", "")
    assert caught.value.message == NO_FROM


def test_escalating_moves_level_and_assignee_and_current_level_reads_it_back(client, stub):
    assert client.current_level("PINC001") == 1
    escalated = client.escalate("PINC001", 2)
    assert (escalated.assignees, stub.escalation_level("PINC001"), client.current_level("PINC001")) == (
        [Person(id="PUSER02", name="Oscar Ops")],
        2,
        2,
    )


def test_escalating_an_acknowledged_incident_makes_it_triggered_for_the_next_level(client):
    escalated = client.escalate("PINC002", 3, "ops1@example.com")
    assert (escalated.status, [p.id for p in escalated.assignees]) == ("triggered", ["PUSER03"])
    assert client.current_level("PINC002") == 3


def test_escalating_beyond_the_policy_says_cannot_escalate(client):
    with pytest.raises(IntegrationError) as caught:
        client.escalate("PINC001", 7)
    assert caught.value.message.startswith("Cannot Escalate")


def test_reassign_to_me_assigns_the_requesters_own_pagerduty_user(client, stub):
    reassigned = client.reassign("PINC001", "ops2@example.com", "ops2@example.com")
    assert [p.id for p in reassigned.assignees] == ["PUSER02"]
    assert stub.calls()[-1]["body"]["incident"]["assignments"] == [
        {"assignee": {"id": "PUSER02", "type": "user_reference"}}
    ]


def test_current_level_is_unknown_when_assigned_outside_the_policy_or_resolved(client):
    client.reassign("PINC001", "PUSERBOT", "ops1@example.com")
    assert (client.current_level("PINC001"), client.current_level("PINC003")) == (None, None)


def test_reassigning_to_an_unknown_email_is_not_found(client):
    with pytest.raises(NotFound):
        client.reassign("PINC001", "nobody@example.com", "ops1@example.com")


def test_an_id_that_cannot_be_pagerdutys_never_reaches_a_url(client, stub):
    with pytest.raises(NotFound):
        client.incident("../users")
    assert stub.calls() == []


def test_a_maintenance_window_is_created_listed_and_ended_once(client):
    now = datetime.now(timezone.utc)
    window_id = client.create_maintenance_window(
        ["PSVCLLM", "PSVCRAG"], now, now + timedelta(hours=2), "driver upgrade", "ops1@example.com"
    )
    [listed] = client.maintenance_windows(["PSVCRAG"], state="ongoing")
    in_maintenance = {s.name: s.status for s in client.services()}
    assert (listed.id, listed.description, listed.service_ids) == (
        window_id,
        "driver upgrade",
        ["PSVCLLM", "PSVCRAG"],
    )
    assert in_maintenance == {
        "vLLM Inference": "maintenance",
        "RAG Service": "maintenance",
        "Qdrant": "active",
    }
    assert (client.delete_maintenance_window(window_id), client.delete_maintenance_window(window_id)) == (
        True,
        False,
    )
    assert client.maintenance_windows(state="ongoing") == []


def test_services_and_priorities_are_models(client):
    assert [(s.id, s.policy_id) for s in client.services("rag")] == [("PSVCRAG", "PEPLLM1")]
    assert [p.name for p in client.priorities()] == ["P0", "P1", "P2", "P3"]


def test_a_rate_limit_that_persists_is_unavailable_after_one_retry(client, stub):
    stub.ratelimit(5)
    with pytest.raises(Unavailable):
        client.incident("PINC001")
    assert len(stub.calls()) == 2


def test_a_paged_incident_is_announced_signed_and_then_acknowledged_escalated_and_noted(
    client, stub, bot_inbox
):
    bot_inbox.bodies.clear()
    paged = stub.page("P0", "vLLM down", service="vLLM Inference")
    answer = pagerduty_sender.send(bot_inbox.url, "incident.triggered", paged, SECRETS)
    event = parse(bot_inbox.bodies[-1])
    assert answer.status_code == 202
    assert (event.incident_id, event.number, event.title, event.priority, event.status, event.assignees) == (
        paged["id"],
        paged["incident_number"],
        "vLLM down",
        "P0",
        "triggered",
        ["Olivia Ops"],
    )
    acknowledged = client.acknowledge(event.incident_id, "ops1@example.com")
    assert isinstance(acknowledged, PdIncident) and acknowledged.status == "acknowledged"
    assert client.escalate(event.incident_id, 2).status == "triggered"
    assert client.add_note(event.incident_id, "rolled back", "ops2@example.com").content == "rolled back"


def test_two_hundred_incidents_paged_at_once_are_distinct_and_all_answer(client, stub):
    paged = [stub.page(f"P{i % 4}", f"storm {i}") for i in range(200)]
    assert len({p["id"] for p in paged}) == len({p["incident_number"] for p in paged}) == 200
    last = paged[-1]["id"]
    assert (client.incident(last).title, client.escalate(last, 2).assignees[0].id) == ("storm 199", "PUSER02")
