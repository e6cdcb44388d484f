"""The Alertmanager webhook route as a function: the bearer token is checked first (none, a wrong one
or none configured: 401 and a metric), a body that is not a version 4 notification gets 400, and an
unchanged re-send of a group is stored once and starts no second job."""

import json

import pytest

from tests.bot.alerts.engine import Engine, group_of
from tests.bot.alerts.notifications import alert, body, headers, notification, resolved


def test_a_delivery_without_a_bearer_token_gets_401_and_is_counted(tmp_path):
    engine = Engine(tmp_path / "db")
    status, _, _ = engine.intake({"content-type": "application/json"}, body(alert()))
    assert (status, engine.store.alert_events(), engine.counted("unauthorized")) == (401, [], 1.0)


def test_a_wrong_token_gets_401(tmp_path):
    engine = Engine(tmp_path / "db")
    assert engine.intake(headers("not-the-token"), body(alert()))[0] == 401
    assert engine.store.alert_events() == []


def test_a_basic_auth_header_with_the_right_secret_is_not_a_bearer_token(tmp_path):
    engine = Engine(tmp_path / "db")
    assert (
        engine.intake({"authorization": f"Basic {headers()['authorization'][7:]}"}, body(alert()))[0] == 401
    )


def test_without_a_configured_token_every_delivery_is_refused(tmp_path, caplog):
    engine = Engine(tmp_path / "db", token=None)
    assert engine.intake(headers(), body(alert()))[0] == 401
    assert engine.intake({"authorization": "Bearer "}, body(alert()))[0] == 401
    assert "webhook_token is not set" in caplog.text


@pytest.mark.parametrize(
    "junk",
    [
        b"not json",
        b"[]",
        b"{}",
        body(alert(), version="3"),
        json.dumps({**notification(alert()), "version": 4}).encode(),
        json.dumps({**notification(alert()), "alerts": []}).encode(),
        json.dumps({**notification(alert()), "alerts": [{**alert(), "labels": {"a": 1}}]}).encode(),
        json.dumps({**notification(alert()), "alerts": [{**alert(), "startsAt": "yesterday"}]}).encode(),
        json.dumps({**notification(alert()), "alerts": [{**alert(), "status": "pending"}]}).encode(),
        b"\xff\xfe",
    ],
)
def test_junk_gets_400_and_stores_nothing(tmp_path, junk):
    engine = Engine(tmp_path / "db")
    assert engine.intake(headers(), junk)[0] == 400
    assert (engine.store.alert_events(), engine.counted("unreadable")) == ([], 1.0)


def test_a_notification_is_stored_with_the_job_that_applies_it_before_the_200(tmp_path):
    engine = Engine(tmp_path / "db")
    status, _, answer = engine.intake(headers(), body(alert()))
    assert (status, json.loads(answer)) == (200, {"status": "accepted"})
    assert [(e.group_id, e.state) for e in engine.store.alert_events()] == [(group_of(alert()), "pending")]
    assert [(j.kind, j.payload) for j in engine.store.jobs()] == [
        ("alert-apply", {"group": group_of(alert())})
    ]


def test_an_unchanged_resend_is_stored_once_and_starts_no_second_job(tmp_path):
    engine = Engine(tmp_path / "db")
    engine.intake(headers(), body(alert()))
    status, _, answer = engine.intake(headers(), body(alert(summary="the value in the summary moved")))
    assert (status, json.loads(answer)) == (200, {"status": "duplicate"})
    assert (len(engine.store.alert_events()), len(engine.store.jobs())) == (1, 1)
    assert engine.counted("duplicate") == 1.0


def test_a_resolve_or_a_joining_alert_is_new_content(tmp_path):
    engine = Engine(tmp_path / "db")
    first, second = alert(), alert(fingerprint="f00d0000000000a2", pod="vllm-1")
    sends = ([first], [first, second], [resolved(first), second])
    answers = [json.loads(engine.intake(headers(), body(*alerts))[2]) for alerts in sends]
    assert [a["status"] for a in answers] == ["accepted"] * 3
