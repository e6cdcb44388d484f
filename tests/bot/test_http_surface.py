"""The HTTP surface refuses junk before it parses it: unsigned or forged Slack requests of every shape
get 401, a replayed request is answered without acting, chunked bodies get 411, a body that does not
arrive in time gets 408, idle connections are closed, and the probes keep answering on their own port
while the main port is full of slow clients."""

import json
import socket
import threading
import time

import pytest
import requests

from bot.health_server import HealthServer
from bot.http_server import main_server
from sandbox.slack_sender import action_body, signed_headers, slash_body


def raw(url: str, data: bytes, timeout: float = 10) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def post(bot, body: bytes, headers: dict) -> requests.Response:
    return requests.post(f"{bot.url}/slack/events", data=body, headers=headers, timeout=5)


@pytest.mark.parametrize(
    "body, headers",
    [
        (b"command=%2Fllm&text=status", {"X-Slack-Request-Timestamp": "abc"}),
        (b"payload=x", {}),
        (b"[1, 2, 3]", {"Content-Type": "application/json"}),
        (
            b"command=%2Fllm&text=status",
            {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=" + "0" * 64},
        ),
        (b"\xff\xfe junk", {"X-Slack-Signature": "v0=zz"}),
    ],
)
def test_unsigned_or_forged_slack_requests_are_401_and_leave_one_log_line(bot, caplog, body, headers):
    answer = post(bot, body, headers)
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid request"})
    assert [r.message for r in caplog.records if r.name == "bot.server"] == ["Slack request refused"]
    assert bot.store.jobs("pending") == [] and bot.store.audit_entries() == []


def test_a_replayed_slash_command_is_answered_without_acting_again(bot):
    url = bot.sandbox.slack.new_response_url("C0PLATFORM", "U0OPS1")
    body = slash_body("scale rag-service 4", "U0OPS1", "C0PLATFORM", url)
    headers = signed_headers(bot.sandbox.signing_secret, body)
    first, second = post(bot, body, headers), post(bot, body, headers)
    assert first.json()["text"] == "⏳ Working on `/llm scale`…"
    assert (second.status_code, second.json()["text"]) == (200, "")
    assert len(bot.store.jobs("pending")) == 1


def test_a_signed_slash_command_and_click_still_work_after_junk(bot):
    post(bot, b"payload=x", {})
    post(bot, b"[1]", {"Content-Type": "application/json"})
    assert bot.slash("help").json()["text"].startswith("*llmbot commands*")
    assert bot.slash("scale rag-service 3 --dry-run").ok
    card = {"channel": "C0PLATFORM", "ts": "1.0", "blocks": []}
    url = bot.sandbox.slack.new_response_url("C0PLATFORM", "U0OPS2")
    assert bot.sender.post(action_body("approval:approve", "7", "U0OPS2", "C0PLATFORM", card, url)).ok
    bot.settle()
    told = [m["text"] for m in bot.posted() if m["kind"] == "response_url"]
    assert any(t.startswith("There is no request #7") for t in told), told


@pytest.fixture
def tiny():
    """A guarded server around an app that says how many bytes it got, with short limits."""

    def app(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(len(body)).encode()]

    server = main_server(app, "127.0.0.1", 0, request_seconds=0.5, idle_seconds=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def test_a_chunked_body_is_refused_with_411_before_it_is_read(tiny):
    head = b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer = raw(tiny, head + b"f" * 2000)  # the start of an endless chunk-size line
    assert answer.startswith(b"HTTP/1.1 411 Length Required")


def test_a_body_that_does_not_arrive_in_time_gets_408(tiny):
    host, port = tiny.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc")
        time.sleep(0.7)  # the client dawdles (a real client's bytes, not the bot's timer)
        sock.sendall(b"d")
        assert sock.recv(100).startswith(b"HTTP/1.1 408 Request Timeout")


def test_an_idle_connection_is_closed(tiny):
    host, port = tiny.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc")
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, not answered
        assert time.monotonic() - started < 5


def test_the_probes_answer_on_their_own_port_while_the_main_port_is_full_of_slow_clients(bot):
    host, port = bot.url.removeprefix("http://").split(":")
    stuck = []
    for _ in range(98):
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nabc")
        stuck.append(sock)
    try:
        started = time.monotonic()
        health = requests.get(f"{bot.server.health.url}/healthz", timeout=2)
        ready = requests.get(f"{bot.server.health.url}/readyz", timeout=2)
        assert (health.json(), ready.json()["ready"]) == ({"status": "ok"}, True)
        assert time.monotonic() - started < 1
        assert requests.get(f"{bot.url}/healthz", timeout=2).ok  # and the main port still serves
    finally:
        for sock in stuck:
            sock.close()


def test_a_health_server_answers_only_its_two_paths():
    health = HealthServer(
        "127.0.0.1", 0, {"/healthz": lambda: (200, json.dumps({"status": "ok"}).encode())}
    ).start()
    try:
        assert requests.get(f"{health.url}/healthz", timeout=2).json() == {"status": "ok"}
        assert requests.get(f"{health.url}/metrics", timeout=2).status_code == 404
    finally:
        health.stop()
