"""Believable container logs for the stand-in's pods, chosen by the pod's `app` label: vLLM servers
with occasional CUDA out-of-memory errors and timeouts, a RAG service with safety violations.
Lines are `(epoch, text)`; text reads `2024-05-01T12:00:00Z LEVEL logger: message`.
"""

from __future__ import annotations

import random

from sandbox.kube_objects import stamp

VLLM = (
    (
        "INFO",
        "metrics",
        "Avg prompt throughput: {n} tokens/s, Avg generation throughput: {m} tokens/s, "
        "Running: {k} reqs, GPU KV cache usage: {p}%",
    ),
    ("INFO", "api_server", "POST /v1/chat/completions HTTP/1.1 200 OK"),
    ("INFO", "api_server", "POST /v1/chat/completions HTTP/1.1 200 OK"),
    (
        "WARNING",
        "scheduler",
        "Sequence group {k} is preempted by PreemptionMode.RECOMPUTE because not enough KV cache space",
    ),
    (
        "ERROR",
        "engine",
        "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate {k}.00 GiB "
        "(GPU 2; 79.15 GiB total capacity)",
    ),
    ("ERROR", "api_server", "Request cmpl-{n} timed out after 60s waiting for the engine"),
)
RAG = (
    ("INFO", "rag.query", "answered query in {n}ms (retrieved {k} chunks from qdrant)"),
    ("INFO", "rag.query", "answered query in {n}ms (retrieved {k} chunks from qdrant)"),
    (
        "WARNING",
        "rag.guard",
        "Safety violation: prompt injection attempt blocked (user u{n}, rule jailbreak-{k})",
    ),
    ("ERROR", "rag.llm", "upstream vllm-llama-3-70b timed out after 30s"),
)
QDRANT = (("INFO", "qdrant::actix", "POST /collections/docs/points/search 200 {k}ms"),)
CRASH = (
    ("INFO", "api_server", "vLLM API server version starting"),
    ("INFO", "engine", "Initializing an LLM engine with config: tensor_parallel_size=4"),
    ("ERROR", "engine", "RuntimeError: CUDA error: no kernel image is available for execution on the device"),
    ("ERROR", "api_server", "Engine process failed to start; exiting with code 1"),
)
OOM = (
    ("INFO", "app", "Loading embedding cache into memory ({k} shards)"),
    ("WARNING", "app", "Memory usage at {p}% of the container limit"),
)
TEMPLATES = {"vllm": VLLM, "rag-service": RAG, "qdrant": QDRANT}
ERROR_WEIGHT = {"INFO": 20, "WARNING": 3, "ERROR": 1}


def history(app: str, seed: str, now: float, minutes: int = 120) -> list[tuple[float, str]]:
    """About one line a minute for the last `minutes`, mostly INFO with some WARNING and ERROR."""
    rand = random.Random(seed)
    templates = TEMPLATES.get(app, QDRANT)
    weights = [ERROR_WEIGHT[level] for level, _, _ in templates]
    lines = []
    for i in range(minutes, 0, -1):
        level, logger, text = rand.choices(templates, weights)[0]
        when = now - i * 60 + rand.uniform(0, 50)
        lines.append((when, line(when, level, logger, text, rand)))
    return lines


def crash(now: float) -> list[tuple[float, str]]:
    rand = random.Random(int(now))
    return [(now, line(now, level, logger, text, rand)) for level, logger, text in CRASH]


def oom(now: float) -> list[tuple[float, str]]:
    """The last words of a process the kernel OOM-kills: it never logs the kill itself."""
    rand = random.Random(int(now))
    return [(now, line(now, level, logger, text, rand)) for level, logger, text in OOM]


def line(when: float, level: str, logger: str, text: str, rand: random.Random) -> str:
    message = text.format(
        n=rand.randint(100, 9999),
        m=rand.randint(100, 999),
        k=rand.randint(1, 40),
        p=round(rand.uniform(20, 95), 1),
    )
    return f"{stamp(when)} {level} {logger}: {message}"


def select(
    lines: list[tuple[float, str]], now: float, since_seconds: str | None, tail_lines: str | None
) -> str:
    chosen = [text for when, text in lines if not since_seconds or when >= now - float(since_seconds)]
    if tail_lines:
        chosen = chosen[-int(tail_lines) :] if int(tail_lines) > 0 else []
    return "".join(text + "\n" for text in chosen)
