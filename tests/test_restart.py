"""Nothing is lost across a crash: a job the crash interrupted runs again on start-up, and a job
that had finished with its post still queued is delivered without running twice."""

import time

from bot.state import Effects, NewJob, Post, Store
from tests.support import start_bot


def job_payload(sandbox, channel):
    return {
        "verb": "status",
        "args": {},
        "user": "U0OPS1",
        "channel": channel,
        "text": "",
        "response_url": sandbox.slack.new_response_url(channel, "U0OPS1"),
        "request_id": "before-crash",
    }


def test_a_job_interrupted_by_a_crash_runs_again_after_restart(sandbox, tmp_path):
    db = tmp_path / "llmbot.db"
    crashed = Store(db)
    crashed.commit(Effects.of(NewJob("command", job_payload(sandbox, "C0RESTART1"))), time.time())
    job_id = crashed.claim_next_job(time.time()).id  # running when the process died
    crashed.close()
    running = start_bot(sandbox, db)
    try:
        [message] = running.wait_for_posts(channel="C0RESTART1")
        assert message["blocks"][0]["text"]["text"] == "LLM platform status"
        assert running.store.job(job_id).state == "done"
    finally:
        running.server.stop()


def test_a_finished_job_with_an_undelivered_post_is_not_run_twice(sandbox, tmp_path):
    db = tmp_path / "llmbot.db"
    crashed = Store(db)
    crashed.commit(Effects.of(NewJob("command", job_payload(sandbox, "C0RESTART2"))), time.time())
    job_id = crashed.claim_next_job(time.time()).id
    body = {"channel": "C0RESTART2", "text": "the answer computed before the crash", "blocks": []}
    closed = Effects.of(
        crashed.finish_job_write(job_id, "done", time.time()), Post("chat.postMessage", "C0RESTART2", body)
    )
    assert crashed.commit(closed, time.time()) is not None
    crashed.close()
    running = start_bot(sandbox, db)
    try:
        running.wait_for_posts(channel="C0RESTART2")
        running.settle()  # a wrongly re-run job would post a second message now
        assert [m["text"] for m in running.posted(channel="C0RESTART2")] == [
            "the answer computed before the crash"
        ]
    finally:
        running.server.stop()
