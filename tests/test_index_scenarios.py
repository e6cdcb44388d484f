"""`/llm index` end to end over signed HTTP: files in the sandbox's S3 (a 2,500-document handbook, a
malformed file, an empty one) and over http, sent to the RAG stand-in in batches, with the service
rejecting a batch and a run stopped and resumed."""

import json

import pytest
import requests

from sandbox.httpstub import Response, StubServer
from tests.data_helpers import outcome, progress_texts
from tests.report_helpers import ask, text_of
from tests.support import start_bot

HANDBOOK = "s3://llm-platform-uploads/handbook.jsonl"


@pytest.fixture(autouse=True)
def empty_index(sandbox):
    sandbox.rag.reset()
    yield
    sandbox.rag.reset()


def test_index_sends_the_handbook_in_batches_of_a_thousand_with_progress_in_one_message(bot, sandbox):
    bot.slash(f"index {HANDBOOK}")
    assert outcome(bot)["text"] == "✅ Indexed handbook.jsonl: 2,500 accepted, 0 rejected (3 batches)."
    assert [b["size"] for b in sandbox.rag.batches] == [1000, 1000, 500]
    assert len(sandbox.rag.documents()) == 2500
    assert progress_texts(bot)[-1] == "▶️ Indexing handbook.jsonl: batch 3 of 3 sent, 2,500 of 2,500 documents"
    assert len({m["ts"] for m in bot.posted() if (m["text"] or "").startswith("▶️ Indexing")}) == 1
    assert bot.rejected() == []


def test_a_batch_the_rag_service_rejects_is_sent_again_and_indexed_once(bot, sandbox):
    sandbox.rag.reject_next_batch(503)
    bot.slash(f"index {HANDBOOK}")
    assert outcome(bot)["text"] == "✅ Indexed handbook.jsonl: 2,500 accepted, 0 rejected (3 batches)."
    assert [(b["size"], b["status"]) for b in sandbox.rag.batches] == [
        (1000, 503),
        (1000, 200),
        (1000, 200),
        (500, 200),
    ]
    assert len(sandbox.rag.documents()) == 2500


def test_a_run_stopped_by_the_rag_service_resumes_without_sending_a_recorded_batch_again(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db.sqlite", indexing={"batch_retries": 0, "batch_size": 1000})
    try:
        sandbox.rag.reject_next_batch(500)
        running.slash(f"index {HANDBOOK}")
        stopped = outcome(running)
        running.since = max(m["seq"] for m in sandbox.slack.messages())
        running.slash(f"index {HANDBOOK}")
        first = outcome(running)
        running.since = max(m["seq"] for m in sandbox.slack.messages())
        running.slash(f"index {HANDBOOK}")
        again = outcome(running)
    finally:
        running.server.stop()
    assert stopped["text"].startswith(
        "💥 Indexing handbook.jsonl stopped at batch 1 of 3: the RAG service failed "
        "(answered HTTP 500: rag sandbox: batch rejected by fault injection)."
    )
    assert first["text"] == "✅ Indexed handbook.jsonl: 2,500 accepted, 0 rejected (3 batches)."
    assert again["text"] == "✅ Indexed handbook.jsonl: 2,500 accepted, 0 rejected (3 batches)."
    assert "3 batches sent by an earlier run were not sent again" in text_of(again)
    assert [b["status"] for b in sandbox.rag.batches] == [500, 200, 200, 200]  # the third run sent nothing


def test_a_malformed_file_indexes_its_good_documents_and_lists_the_first_errors(bot, sandbox):
    bot.slash("index s3://llm-platform-uploads/malformed.jsonl")
    done = outcome(bot)
    assert text_of(done) == (
        "✅ Indexed malformed.jsonl: 2 accepted, 5 rejected (1 batch).\n"
        "• line 2: not valid JSON (Unterminated string starting at)\n"
        "• line 3: missing id\n"
        "• line 4 (id mf-4): missing or empty text\n"
        "• line 5 (id mf-5): metadata must be an object\n"
        "• line 6 (id mf-1): duplicate id (first at line 1)"
    )
    assert sorted(sandbox.rag.documents()) == ["mf-1", "mf-7"]


def test_an_empty_file_is_refused_with_usage(bot, sandbox):
    answer, _ = ask(bot, "index s3://llm-platform-uploads/empty.jsonl", user="U0OPS1")
    assert answer["text"].startswith(
        "⚠️ `empty.jsonl` is empty: there is nothing to index.\nUsage: `/llm index &lt;source&gt;"
    )
    assert sandbox.rag.batches == []


def test_a_file_without_one_valid_document_is_refused(bot, sandbox):
    answer, _ = ask(bot, "index s3://llm-platform-uploads/not-json.jsonl", user="U0OPS1")
    assert answer["text"].startswith(
        "⚠️ `not-json.jsonl` has no valid documents (1 rejected): line 1: not valid JSON"
    )
    assert sandbox.rag.batches == []


def test_a_missing_s3_object_is_a_usage_error(bot):
    answer, _ = ask(bot, "index s3://llm-platform-uploads/nope.jsonl", user="U0OPS1")
    assert answer["text"].startswith("⚠️ `s3://llm-platform-uploads/nope.jsonl` does not exist.")


def test_dry_run_validates_and_sends_nothing(bot, sandbox):
    answer, _ = ask(bot, f"index {HANDBOOK} --dry-run", user="U0OPS1")
    assert "*Index 2,500 documents from handbook.jsonl*" in answer["text"]
    assert "rag-service documents: as indexed now → +2,500 in 3 batches of ≤1,000" in answer["text"]
    assert sandbox.rag.batches == []


def test_a_json_array_served_over_http_is_indexed(sandbox, tmp_path):
    files = StubServer("files")
    docs = [
        {"id": "faq-1", "text": "How do I restore Qdrant?", "metadata": {"source": "faq"}},
        {"id": "faq-2", "text": "Who approves a scale-up?"},
    ]
    files.route("GET", r"/faq.json", lambda req: Response(body=json.dumps(docs).encode()))
    files.start()
    # a bare host means port 80 only: the file server's own port must be listed
    listed = {"allowed_hosts": [files.url.removeprefix("http://")]}
    bot = start_bot(sandbox, tmp_path / "db.sqlite", indexing=listed)
    try:
        bot.slash(f"index <{files.url}/faq.json>")
        done = outcome(bot)
    finally:
        bot.server.stop()
        files.stop()
    assert done["text"] == "✅ Indexed faq.json: 2 accepted, 0 rejected (1 batch)."
    assert sandbox.rag.documents()["faq-1"] == {
        "text": "How do I restore Qdrant?",
        "metadata": {"source": "faq"},
    }


def test_index_refuses_hosts_outside_the_allowed_list_and_hides_query_strings(bot):
    from commands.index_sources import display_name, shown

    bot.slash("index http://169.254.169.254/latest/meta-data/iam")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert (
        "`169.254.169.254` is not a host llmbot fetches from (indexing.allowed_hosts: 127.0.0.1)"
        in reply["text"]
    )
    signed = "https://files.example.com/docs/handbook.jsonl?X-Amz-Signature=abc123&X-Amz-Credential=AKIA"
    assert display_name(signed) == "handbook.jsonl"
    assert "X-Amz" not in shown(signed)


def test_a_url_the_http_library_reads_differently_is_refused_and_the_other_server_sees_nothing(
    sandbox, tmp_path
):
    listed, decoy = StubServer("files"), StubServer("decoy")
    doc = json.dumps({"id": "planted-1", "text": "served by a host nobody listed"}).encode()
    for server in (listed, decoy):
        server.route("GET", r"/docs.jsonl", lambda req: Response(body=doc))
        server.start()
    entries = ["127.0.0.1", listed.url.removeprefix("http://")]
    bot = start_bot(sandbox, tmp_path / "db.sqlite", indexing={"allowed_hosts": entries})
    try:
        # urlsplit reads host 127.0.0.1 and the listed port; urllib3 reads the decoy's host and port.
        # Quoted, so the router's shell-like split keeps the backslash.
        bot.slash(f'index "{decoy.url}\\@{listed.url.removeprefix("http://")}/../docs.jsonl"')
        [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    finally:
        bot.server.stop()
        listed.stop()
        decoy.stop()
    assert reply["text"].startswith(
        f"⚠️ the URL contains a backslash (indexing.allowed_hosts: {', '.join(entries)})."
    )
    assert list(decoy.seen) == [] and list(listed.seen) == []
    assert "planted-1" not in sandbox.rag.documents()


def test_a_csv_file_is_indexed_with_its_extra_columns_as_metadata(bot, sandbox):
    bot.slash("index s3://llm-platform-uploads/faq.csv")
    done = outcome(bot)
    assert text_of(done) == (
        "✅ Indexed faq.csv: 3 accepted, 1 rejected (1 batch).\n• row 5 (id faq-004): missing or empty text"
    )
    assert sandbox.rag.documents()["faq-001"] == {
        "text": "How do I restore Qdrant? /llm restore qdrant latest.",
        "metadata": {"owner": "platform", "topic": "backups"},
    }
    assert sandbox.rag.documents()["faq-003"]["metadata"] == {"owner": "finance"}


def test_the_rag_service_takes_the_manuals_bare_json_array_as_well_as_the_wrapper(sandbox):
    docs = [{"id": "bare-1", "text": "Backups run at 03:00 Pacific."}, {"id": "bare-2", "text": " "}]
    bare = requests.post(f"{sandbox.rag.url}/v1/documents", json=docs, timeout=5)
    wrapped = requests.post(f"{sandbox.rag.url}/v1/documents", json={"documents": docs[:1]}, timeout=5)
    refused = requests.post(f"{sandbox.rag.url}/v1/documents", json={"docs": docs}, timeout=5)
    assert bare.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [{"id": "bare-2", "error": "empty text"}],
    }
    assert wrapped.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert refused.status_code == 422
