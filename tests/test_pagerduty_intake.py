"""POST /pagerduty/webhook over HTTP: signed events are stored before the 202, duplicates by
X-Webhook-Id are stored once, and anything not signed by a configured secret gets 401 and leaves
no row behind."""

from concurrent.futures import ThreadPoolExecutor

from sandbox.pagerduty_sender import sign
from tests.incident_support import fixture, roots, sender, wait_until

TRIGGERED = fixture("triggered")


def test_a_signed_event_is_stored_and_answered_202(bot):
    response = sender(bot).send(TRIGGERED, webhook_id="wh-1")
    assert (response.status_code, response.json()) == (202, {"status": "accepted"})
    assert [(e.webhook_id, e.incident_id, e.event_type) for e in bot.store.inbox()] == [
        ("wh-1", "Q0LLM7P1XK2ZQ4", "incident.triggered")
    ]


def test_the_second_of_two_rotated_secrets_is_accepted(bot):
    response = sender(bot).send(TRIGGERED, signature=sign("sandbox-pd-webhook-secret-2025", TRIGGERED))
    assert response.status_code == 202


def test_a_forged_signature_gets_401_and_leaves_no_row(bot):
    response = sender(bot).send(TRIGGERED, signature=sign("not-our-secret", TRIGGERED))
    assert response.status_code == 401
    assert bot.store.inbox() == []


def test_an_unsigned_delivery_gets_401(bot):
    assert sender(bot).send(TRIGGERED, signature="").status_code == 401
    assert bot.store.inbox() == []


def test_one_altered_byte_gets_401(bot):
    signature = sign("sandbox-pd-webhook-secret-2024", TRIGGERED)
    altered = TRIGGERED.replace(b'"number":4211', b'"number":4212')
    assert sender(bot).send(altered, signature=signature).status_code == 401
    assert bot.store.inbox() == []


def test_refusals_leave_a_metric(bot):
    sender(bot).send(TRIGGERED, signature="v1=00")
    import requests

    metrics = requests.get(f"{bot.url}/metrics", timeout=5).text
    assert 'llmbot_pagerduty_webhooks_total{outcome="forged"} 1.0' in metrics


def test_a_retried_delivery_is_stored_once_and_still_answered_2xx(bot):
    first = sender(bot).send(TRIGGERED, webhook_id="wh-retry")
    again = sender(bot).send(TRIGGERED, webhook_id="wh-retry")
    assert (first.status_code, again.status_code, again.json()) == (202, 202, {"status": "duplicate"})
    assert len(bot.store.inbox()) == 1


def test_concurrent_duplicates_open_exactly_one_thread(bot):
    deliveries = [("wh-same", TRIGGERED)] * 6 + [(f"wh-{i}", TRIGGERED) for i in range(6)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda d: sender(bot).send(d[1], webhook_id=d[0]).status_code, deliveries))
    assert set(codes) == {202}
    wait_until(lambda: all(e.state == "done" for e in bot.store.inbox()) and roots(bot))
    assert len(bot.store.inbox()) == 7
    assert len(roots(bot)) == 1


def test_a_signed_body_we_cannot_read_is_stored_and_answered_2xx(bot):
    body = fixture("unreadable")
    response = sender(bot).send(body, webhook_id="wh-odd")
    assert response.status_code == 202
    assert [(e.webhook_id, e.state) for e in bot.store.inbox()] == [("wh-odd", "unreadable")]


def test_pagey_ping_is_answered(bot):
    body = (
        b'{"event":{"id":"01PING","event_type":"pagey.ping","resource_type":"pagey","occurred_at":'
        b'"2024-05-01T09:00:00.000Z","agent":null,"client":null,"data":{"message":"Hello from your friend '
        b'Pagey!","type":"ping"}}}'
    )
    response = sender(bot).send(body)
    assert (response.status_code, response.json()) == (200, {"status": "pong"})


def test_other_event_types_are_accepted_quietly(bot):
    body = TRIGGERED.replace(b"incident.triggered", b"incident.responder.added")
    assert sender(bot).send(body, webhook_id="wh-other").status_code == 202
    assert [e.state for e in bot.store.inbox()] == ["ignored"]
