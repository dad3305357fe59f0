"""RunConfig: everything one ``embedlab run`` needs, validated and frozen.

The resolved config is written into ``results.json`` so any run can be replayed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from embedlab.core.paths import default_cache_dir
from embedlab.models.base import PRECISIONS


def default_precision(device: str) -> str:
    """fp32 on CPU, bf16 on CUDA (the reference report's setting)."""
    return "bf16" if device.startswith("cuda") else "fp32"


class RunConfig(BaseModel):
    """Settings of one run (see ``embedlab run --help`` for each flag)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: list[str] = Field(min_length=1)
    tasks: list[str] = Field(min_length=1)
    out: Path
    data_dir: Path | None = None
    cache_dir: Path = Field(default_factory=default_cache_dir)
    precision: str | None = None
    device: str = "cpu"
    runtime: str = "torch"
    batch_size: int = Field(default=32, ge=1)
    workers: int = Field(default=2, ge=1)
    protocols: list[str] = []
    split: str = "test"
    hub_id: str | None = None
    trust_remote_code: bool = False
    dim: int | None = Field(default=None, ge=1)
    query_prompt: str | None = None
    document_prompt: str | None = None
    classnames: Path | None = None
    templates: Path | None = None
    #: ``-T name=value``: any parameter a task declares (see :mod:`embedlab.tasks.params`).
    task_params: dict[str, str] = {}
    chunk_mb: int = Field(default=32, ge=1)
    bootstrap: int = Field(default=1000, ge=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0
    progress: bool = True

    @field_validator("precision")
    @classmethod
    def _known_precision(cls, value: str | None) -> str | None:
        if value is not None and value not in PRECISIONS:
            raise ValueError(f"must be one of {', '.join(PRECISIONS)}")
        return value

    @property
    def resolved_precision(self) -> str:
        return self.precision or default_precision(self.device)
