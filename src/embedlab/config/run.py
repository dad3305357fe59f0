"""RunConfig: everything one ``embedlab run`` needs, validated and frozen.

The resolved config is written into ``results.json`` so any run can be replayed.
:func:`result_identity` is the part of it that determines the results, used to tell whether an
output folder holds this run's results (resume) or a different run's (refused unless
``overwrite``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    #: Endpoint runtimes (``API+URL``): the environment variable holding the API key; the
    #: key itself is never stored (not part of the results' identity).
    api_key_env: str | None = None
    batch_size: int = Field(default=32, ge=1)
    workers: int = Field(default=2, ge=1)
    protocols: list[str] = []
    split: str = "test"
    hub_id: str | None = None
    trust_remote_code: bool = False
    dim: int | None = Field(default=None, ge=1)
    query_prompt: str | None = None
    document_prompt: str | None = None
    #: Instruction-aware models (``mllm:``): override the recipe's instructions for every task.
    query_instruction: str | None = None
    document_instruction: str | None = None
    classnames: Path | None = None
    templates: Path | None = None
    #: ``-T name=value``: any parameter a task declares (see :mod:`embedlab.tasks.params`).
    task_params: dict[str, str] = {}
    chunk_mb: int = Field(default=32, ge=1)
    bootstrap: int = Field(default=1000, ge=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0
    progress: bool = True
    #: Replace results of a different run found in ``out`` (not part of the results' identity).
    overwrite: bool = False

    @field_validator("precision")
    @classmethod
    def _known_precision(cls, value: str | None) -> str | None:
        if value is not None and value not in PRECISIONS:
            raise ValueError(f"must be one of {', '.join(PRECISIONS)}")
        return value

    @field_validator("runtime")
    @classmethod
    def _known_endpoint(cls, value: str) -> str:
        """An endpoint runtime (``API+URL``) must name a known API and a plain URL."""
        from embedlab.runtimes.endpoint import parse_endpoint

        endpoint = parse_endpoint(value)
        return value if endpoint is None else endpoint.runtime

    @property
    def resolved_precision(self) -> str:
        return self.precision or default_precision(self.device)


#: The fields that determine a run's results; the others (``out``, ``cache_dir``, ``device``,
#: ``batch_size``, ``workers``, ``chunk_mb``, ``trust_remote_code``, ``progress``, ``overwrite``)
#: change where and how fast it runs, not its numbers. Like the part key, ``device`` counts only
#: through the precision it implies.
RESULT_FIELDS = (
    "models",
    "tasks",
    "data_dir",
    "precision",
    "runtime",
    "protocols",
    "split",
    "hub_id",
    "dim",
    "query_prompt",
    "document_prompt",
    "query_instruction",
    "document_instruction",
    "classnames",
    "templates",
    "task_params",
    "bootstrap",
    "confidence",
    "seed",
)
_PATH_FIELDS = frozenset({"data_dir", "classnames", "templates"})


def result_identity(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The result-determining fields of a config as written to ``results.json`` (JSON form).

    Missing fields take their defaults; ``precision`` is resolved from ``device``; paths are
    compared resolved (relative ones against the current folder). None when ``config`` is not a
    quality run's config (e.g. ``embedlab speed`` wrote it: it has no ``tasks``).
    """
    if "models" not in config or "tasks" not in config:
        return None
    fields = RunConfig.model_fields
    identity: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        default = fields[name].get_default(call_default_factory=True)
        identity[name] = config.get(name, default)
    if identity["precision"] is None:
        identity["precision"] = default_precision(str(config.get("device", "cpu")))
    for name in _PATH_FIELDS:
        if identity[name] is not None:
            identity[name] = str(Path(str(identity[name])).resolve())
    return identity


def identity_differences(old: Mapping[str, Any], new: RunConfig) -> list[str] | None:
    """``field: old → new`` for each result-determining field that differs; None if ``old``
    is not a quality run's config."""
    before = result_identity(old)
    if before is None:
        return None
    after = result_identity(new.model_dump(mode="json"))
    assert after is not None
    return [
        f"{name}: {before[name]!r} → {after[name]!r}"
        for name in RESULT_FIELDS
        if before[name] != after[name]
    ]
