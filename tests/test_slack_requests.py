"""What Slack's requests get back: signatures checked before anything else, usage and help inside
the ack, refusals that name the role, and never a 500 or a traceback for a user's mistake."""

import time

import requests

from sandbox.slack_sender import signed_headers, slash_body


def post_raw(bot, body: bytes, headers: dict) -> requests.Response:
    return requests.post(f"{bot.url}/slack/events", data=body, headers=headers, timeout=10)


def assert_nothing_happened(bot):
    bot.settle()  # a wrongly started job would run and post now
    assert bot.store.audit_entries() == []
    assert bot.posted() == []


def test_forged_signature_is_refused_with_401_and_nothing_else_happens(bot):
    body = slash_body("status", "U0OPS1")
    headers = signed_headers("not-the-signing-secret", body)
    response = post_raw(bot, body, headers)
    assert (response.status_code, response.json()) == (401, {"error": "invalid request"})
    assert_nothing_happened(bot)


def test_body_altered_after_signing_is_refused(bot):
    body = slash_body("help", "U0OPS1")
    headers = signed_headers(bot.sandbox.signing_secret, body)
    response = post_raw(bot, body.replace(b"help", b"status"), headers)
    assert response.status_code == 401
    assert_nothing_happened(bot)


def test_timestamp_older_than_five_minutes_is_refused(bot):
    body = slash_body("status", "U0OPS1")
    response = post_raw(bot, body, signed_headers(bot.sandbox.signing_secret, body, int(time.time()) - 301))
    assert response.status_code == 401
    assert_nothing_happened(bot)


def test_timestamp_from_the_future_is_refused(bot):
    body = slash_body("status", "U0OPS1")
    response = post_raw(bot, body, signed_headers(bot.sandbox.signing_secret, body, int(time.time()) + 301))
    assert response.status_code == 401


def test_missing_signature_headers_are_refused(bot):
    response = post_raw(
        bot, slash_body("status", "U0OPS1"), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 401
    assert_nothing_happened(bot)


def test_signed_garbage_body_is_not_a_server_error(bot):
    body = b"\x00\xff not a form {{{"
    response = post_raw(bot, body, signed_headers(bot.sandbox.signing_secret, body))
    assert response.status_code < 500
    assert "Traceback" not in response.text


def test_signed_bodies_that_are_no_slack_payload_get_400_and_change_nothing(bot):
    secret = bot.sandbox.signing_secret
    junk = [
        (b"payload=notjson", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),  # a JSON list, not an object
        (b"payload=1", "application/x-www-form-urlencoded"),
        (b'{"a":', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"just a string"', "application/json"),
    ]
    for body, content_type in junk:
        headers = {**signed_headers(secret, body), "Content-Type": content_type}
        response = post_raw(bot, body, headers)
        assert (response.status_code, response.json()) == (400, {"error": "unreadable Slack payload"}), body
    assert_nothing_happened(bot)
    assert bot.slash("help").status_code == 200  # and the next real request is answered


def test_help_is_answered_inside_the_ack_and_lists_every_command(bot):
    response = bot.slash("help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "`/llm status`" in body["text"] and "`/llm help [command]`" in body["text"]
    assert bot.posted(channel="C0PLATFORM") == []


def test_help_for_one_command_shows_its_usage_and_example(bot):
    text = bot.slash("help status").json()["text"]
    assert text.startswith("*`/llm status`*\nThe morning health check")
    assert "Example: `/llm status`" in text


def test_unknown_verb_gets_did_you_mean_in_the_ack(bot):
    body = bot.slash("stauts").json()
    assert body == {
        "response_type": "ephemeral",
        "text": "⚠️ Unknown command `stauts`. Did you mean `/llm status` or `/llm restart`? Try `/llm help`.",
    }
    [entry] = bot.store.audit_entries()
    assert (entry.verb, entry.outcome, entry.args) == ("?", "usage", "stauts")


def test_bad_arguments_get_that_commands_usage(bot):
    text = bot.slash("status everything").json()["text"]
    assert text == ("⚠️ `status` does not take `everything`.\nUsage: `/llm status`\nExample: `/llm status`")


def test_three_kilobytes_of_arguments_get_a_polite_refusal(bot):
    response = bot.slash("status " + "a" * 3000)
    assert response.status_code == 200
    assert "commands are at most 1,000" in response.json()["text"]
    [entry] = bot.store.audit_entries()
    assert len(entry.args) <= 1000


def test_unicode_arguments_are_handled(bot):
    response = bot.slash("stätus 🚀 “quoted”")
    assert response.status_code == 200
    assert "Unknown command `stätus`" in response.json()["text"]


def test_user_without_a_role_is_told_which_role_is_needed(bot):
    text = bot.slash("status", user="U0STRANGER").json()["text"]
    assert text.startswith("⛔ `/llm status` needs the *viewer* role; you have no role here.")
    assert bot.posted(channel="C0PLATFORM") == []
    [entry] = bot.store.audit_entries()
    assert (entry.user, entry.outcome) == ("U0STRANGER", "refused")


def test_viewer_may_run_status(bot):
    assert bot.slash("status", user="U0VIEW").json()["text"].startswith("⏳")
    bot.wait_for_posts(channel="C0PLATFORM")


def test_ssl_check_is_answered_without_a_signature(bot):
    response = requests.post(f"{bot.url}/slack/events", data={"ssl_check": "1", "token": "x"}, timeout=5)
    assert response.status_code == 200


def test_health_readiness_and_metrics_endpoints(bot):
    assert requests.get(f"{bot.url}/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{bot.url}/readyz", timeout=5).json() == {
        "ready": True,
        "checks": {"config": True, "store": True},
        "info": {"slack_token": "not yet checked"},
    }
    bot.slash("help")
    metrics = requests.get(f"{bot.url}/metrics", timeout=5).text
    assert 'llmbot_slack_acks_total{outcome="help",route="slash"} 1.0' in metrics
    assert 'llmbot_http_requests_total{outcome="2xx",route="/slack/events"} 1.0' in metrics


def test_unknown_path_and_wrong_method_are_404_and_405(bot):
    assert requests.get(f"{bot.url}/nope", timeout=5).status_code == 404
    assert requests.get(f"{bot.url}/slack/events", timeout=5).status_code == 405


def test_backend_errors_are_counted_by_integration(bot, sandbox):
    requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={"status": 503}, timeout=5)
    try:
        bot.slash("status")
        bot.wait_for_posts(channel="C0PLATFORM")
    finally:
        requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={}, timeout=5)
    metrics = requests.get(f"{bot.url}/metrics", timeout=5).text
    assert 'llmbot_backend_errors_total{integration="kubernetes"} 2.0' in metrics
    assert 'llmbot_command_duration_seconds_count{command="status",outcome="ok"} 1.0' in metrics


def test_a_user_group_grants_its_role_to_its_members(sandbox, tmp_path):
    from tests.support import start_bot

    running = start_bot(sandbox, tmp_path / "db", rbac={"users": {}, "groups": {"S0ONCALL": "operator"}})
    try:
        running.settle()  # membership arrives from usergroups.users.list, in a job run at start
        assert running.slash("scale rag-service 3 --dry-run", user="U0OPS1").json()["text"].startswith("⏳")
        assert running.slash("status", user="U0VIEW").json()["text"].startswith("⛔")
    finally:
        running.server.stop()
