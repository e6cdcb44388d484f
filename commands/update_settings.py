"""Where the manual's monthly model-update check looks: the vLLM image's registry, OSV for advisories
against the running vLLM version, and Hugging Face for newer revisions of the served model."""

from __future__ import annotations

from pydantic import BaseModel, Field, HttpUrl


class UpdateSettings(BaseModel):
    model_config = {"extra": "forbid"}

    registry_url: HttpUrl = HttpUrl("https://registry-1.docker.io")
    image_repository: str = Field("vllm/vllm-openai", description="the vLLM image, without a tag")
    osv_url: HttpUrl = HttpUrl("https://api.osv.dev")
    osv_package: str = Field("vllm", description="the PyPI package whose advisories apply")
    huggingface_url: HttpUrl = HttpUrl("https://huggingface.co")
    model: str = Field("meta-llama/Meta-Llama-3-70B-Instruct", description="the served model's repository")
    model_revision: str = Field("", description="the revision (commit) being served; '' skips the check")
    spot_price_ratio: float = Field(
        3.0, gt=1, description="on-demand price / spot price, for the saving estimate"
    )
    timeout_seconds: float = Field(5.0, gt=0, le=30)
