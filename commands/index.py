"""`/llm index <s3://… or https://…>`: documents from a CSV, JSON or JSONL file, validated, then sent to
the RAG service in batches. A change (it alters what the assistant answers from) with a zero-approval
default policy, run by the approval engine for its durable run and progress message. Each batch
sent is a row (the ledger), keyed by the file's sha256, so a retry or a restart resumes where it
stopped and never sends a recorded batch again; the service is idempotent by id besides. Before it
runs, the file is read again: a file that changed since it was checked is not sent."""

from __future__ import annotations

import hashlib
import time

from pydantic import BaseModel, field_validator

from commands import documents
from commands.blockkit import code, escape
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.documents import Parsed, Rejection
from commands.errors import CommandError
from commands.index_sources import check_source, display_name, read
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec
from integrations.errors import IntegrationError, Unavailable
from integrations.rag import BatchReport


class IndexRequest(ChangeRequest):
    source: str

    _a_url = field_validator("source")(check_source)


class IndexPlan(BaseModel):
    source: str
    digest: str  # planned against: the file's sha256 when it was checked
    batch_size: int


def plan(request: IndexRequest, deps: Deps) -> ChangePlan:
    source, size = request.source, deps.indexing.batch_size
    parsed = documents.parse(read(source, deps), display_name(source))
    if not parsed.documents:
        raise CommandError(
            f"{code(display_name(source))} has no valid documents ({len(parsed.rejected)} rejected): "
            + "; ".join(escape(r) for r in parsed.rejected[:3])
        )
    count = _batch_count(parsed, size)
    sent = deps.index_ledger.index_batches(_run_key(parsed, size))
    health = [f"{len(parsed.documents):,} valid documents, {len(parsed.rejected):,} invalid (skipped)"]
    health += [f"{r}" for r in parsed.rejected[:3]]
    warnings = (
        [f"{len(sent)} of {count} batches were sent by an earlier run; they are not sent again."]
        if sent
        else []
    )
    return ChangePlan(
        title=f"Index {len(parsed.documents):,} documents from {display_name(source)}",
        changes=[
            Change(
                target="rag-service",
                field="documents",
                old="as indexed now",
                new=f"+{len(parsed.documents):,} in {_batches_word(count)} of ≤{size:,}",
            )
        ],
        health=health,
        warnings=warnings,
        data=IndexPlan(source=source, digest=parsed.digest, batch_size=size),
    )


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    data: IndexPlan = plan.data
    if hashlib.sha256(read(data.source, deps)).hexdigest() == data.digest:  # as documents.parse digests
        return []
    return [f"{display_name(data.source)} changed since it was checked (its sha256 differs)"]


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: IndexPlan = plan.data
    source, size = data.source, data.batch_size
    name = display_name(source)
    parsed = documents.parse(read(source, deps), name)
    if parsed.digest != data.digest:  # changed between the check and this read
        return ChangeOutcome(
            ok=False, summary=f"{name} changed since it was checked; nothing sent. Run `/llm index` again."
        )
    key, batches = _run_key(parsed, size), _batches(parsed, size)
    done = deps.index_ledger.index_batches(key)
    earlier = len(done)
    for number, batch in enumerate(batches, 1):
        if number in done:
            continue
        try:
            report = send(deps, batch)
        except IntegrationError as exc:
            return _stopped(name, number, len(batches), done, exc)
        done[number] = report.model_dump()
        deps.index_ledger.record_index_batch(key, number, done[number], deps.now().timestamp())
        sent = sum(len(b) for b in batches[:number])
        total = len(parsed.documents)
        progress(f"Indexing {name}: batch {number} of {len(batches)} sent, {sent:,} of {total:,} documents")
    return _finished(name, parsed, done, earlier, deps.indexing.first_errors)


def send(deps: Deps, batch: list[dict]) -> BatchReport:
    """One batch, sent again after a temporary failure; the service ignores ids it already has."""
    retries = deps.indexing.batch_retries
    for attempt in range(retries + 1):
        try:
            return deps.rag.add_documents(batch)
        except Unavailable:
            if attempt == retries:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _finished(name: str, parsed: Parsed, done: dict[int, dict], earlier: int, shown: int) -> ChangeOutcome:
    reports = [BatchReport.model_validate(done[n]) for n in sorted(done)]
    accepted, duplicates = sum(r.accepted for r in reports), sum(r.duplicates for r in reports)
    rejected = parsed.rejected + [
        Rejection(where=f"id {x.id}", error=x.error) for r in reports for x in r.rejected
    ]
    summary = (
        f"Indexed {name}: {accepted:,} accepted, {len(rejected):,} rejected"
        + (f", {duplicates:,} already indexed" if duplicates else "")
        + f" ({_batches_word(len(reports))})."
    )
    details = [str(r) for r in rejected[:shown]]
    if len(rejected) > shown:
        details.append(f"…and {len(rejected) - shown:,} more rejected")
    if earlier:
        verb = "was" if earlier == 1 else "were"
        details.append(f"{_batches_word(earlier)} sent by an earlier run {verb} not sent again")
    return ChangeOutcome(ok=True, summary=summary, details=details)


def _stopped(
    name: str, number: int, total: int, done: dict[int, dict], exc: IntegrationError
) -> ChangeOutcome:
    accepted = sum(BatchReport.model_validate(r).accepted for r in done.values())
    return ChangeOutcome(
        ok=False,
        summary=f"Indexing {name} stopped at batch {number} of {total}: the RAG service "
        f"failed ({exc.message}). {accepted:,} documents are indexed; run the same "
        f"`/llm index` again to resume from batch {number}.",
    )


def _run_key(parsed: Parsed, size: int) -> str:
    return f"{parsed.digest}:{size}"


def _batches(parsed: Parsed, size: int) -> list[list[dict]]:
    return [parsed.documents[i : i + size] for i in range(0, len(parsed.documents), size)]


def _batches_word(count: int) -> str:
    return f"{count} batch" if count == 1 else f"{count} batches"


def _batch_count(parsed: Parsed, size: int) -> int:
    return -(-len(parsed.documents) // size)


SPEC = CommandSpec(
    name="index",
    summary="Index a CSV, JSON or JSONL file of documents into the RAG service "
    "(runs without approval by default)",
    example="/llm index s3://llm-platform-uploads/handbook.jsonl",
    role="operator",
    changes=True,
    args=(Arg("source", "s3://bucket/key.jsonl, or an http(s):// URL of a CSV, JSON or JSONL file"),),
    options=(DRY_RUN,),
    request=IndexRequest,
    plan_data=IndexPlan,
    plan=plan,
    check=check,
    apply=apply,
    details="Each document needs `id` and `text`; `metadata` must be an object. JSON is an array (bare or "
    'as {"documents": [...]}), JSONL one document a line, CSV a header row `id,text,metadata…` (any '
    "other column goes into metadata). Sent in batches of indexing.batch_size. `--dry-run` validates "
    "the file and sends nothing. Slack file links need the bot token and are not read yet: put the file "
    "in S3.",
)
