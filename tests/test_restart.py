"""Nothing is lost across a crash: a job the crash interrupted runs again on start-up, and a job
that had finished with its post still queued is delivered without running twice."""

import time

from bot.state import Post, Store
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
    job_id = crashed.add_job("command", job_payload(sandbox, "C0RESTART1"), time.time())
    crashed.claim_job(job_id, time.time())  # running when the process died
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
    job_id = crashed.add_job("command", job_payload(sandbox, "C0RESTART2"), time.time())
    crashed.claim_job(job_id, time.time())
    body = {"channel": "C0RESTART2", "text": "the answer computed before the crash", "blocks": []}
    crashed.finish_job(job_id, "done", time.time(), posts=[Post("chat.postMessage", "C0RESTART2", body)])
    crashed.close()
    running = start_bot(sandbox, db)
    try:
        running.wait_for_posts(channel="C0RESTART2")
        time.sleep(0.5)  # a wrongly re-run job would post a second message by now
        assert [m["text"] for m in running.posted(channel="C0RESTART2")] == [
            "the answer computed before the crash"
        ]
    finally:
        running.server.stop()
