"""A minimal OpenAI-compatible inference stand-in (the shape vLLM serves) for the smoke test:
/health, /v1/models and /v1/completions with a canned, deterministic completion."""

from __future__ import annotations

import itertools
from typing import Any

from sandbox.httpstub import Request, Response, StubServer

MODEL = "meta-llama/Meta-Llama-3-70B-Instruct"
CREATED = 1_715_000_000
REPLY = "The platform is healthy and serving requests."


def _error(status: int, message: str, kind: str) -> Response:
    return Response(
        status, {"object": "error", "message": message, "type": kind, "param": None, "code": status}
    )


class InferenceStub(StubServer):
    """The stand-in server; `completions` counts answered requests for tests."""

    def __init__(self, model: str = MODEL):
        super().__init__("inference")
        self.model = model
        self.completions = 0
        self._ids = itertools.count(1)
        self.route("GET", r"/health", lambda req: Response(200, b"", content_type="text/plain"))
        self.route("GET", r"/v1/models", self._models)
        self.route("POST", r"/v1/completions", self._complete)

    def _models(self, req: Request) -> Response:
        card = {
            "id": self.model,
            "object": "model",
            "created": CREATED,
            "owned_by": "vllm",
            "root": self.model,
            "parent": None,
            "max_model_len": 8192,
        }
        return Response(body={"object": "list", "data": [card]})

    def _complete(self, req: Request) -> Response:
        spec: dict[str, Any] = req.json() or {}
        if spec.get("model") != self.model:
            return _error(404, f"The model `{spec.get('model')}` does not exist.", "NotFoundError")
        if not spec.get("prompt"):
            return _error(400, "prompt is required", "BadRequestError")
        max_tokens = int(spec.get("max_tokens", 16))
        words = REPLY.split()[:max_tokens]
        self.completions += 1
        choice = {
            "index": 0,
            "text": " " + " ".join(words),
            "logprobs": None,
            "finish_reason": "stop" if len(words) == len(REPLY.split()) else "length",
            "stop_reason": None,
        }
        prompt_tokens = len(str(spec["prompt"]).split())
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(words),
            "total_tokens": prompt_tokens + len(words),
        }
        return Response(
            body={
                "id": f"cmpl-sandbox-{next(self._ids)}",
                "object": "text_completion",
                "created": CREATED,
                "model": self.model,
                "choices": [choice],
                "usage": usage,
            }
        )
