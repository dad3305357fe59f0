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

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from embedlab.core.paths import default_cache_dir
from embedlab.models.base import PRECISIONS

#: First-stage candidates per query of a two-stage run when ``--candidates`` is not given.
DEFAULT_CANDIDATES = 100


def default_precision(device: str) -> str:
    """fp32 on CPU, bf16 on CUDA (the reference report's setting)."""
    return "bf16" if device.startswith("cuda") else "fp32"


def ray_flag_needs_ray(value: Any, info: ValidationInfo, subject: str) -> Any:
    """A pydantic check: a ``--ray-*`` setting only with ``--executor ray`` (else it would be
    ignored); ``subject`` names what is configured (``run``, ``study``)."""
    executor = info.data.get("executor", "local")
    if value is not None and executor != "ray":
        raise ValueError(f"applies only with --executor ray (this {subject} uses {executor})")
    return value


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
    #: Late interaction: fill the ``muvera`` parameter of the tasks that declare it (``vidore``:
    #: MUVERA first stage + exact MaxSim rerank, reported beside exact MaxSim).
    muvera: bool = False
    #: Two-stage retrieval: a late-interaction model reranking each ``--model``'s top
    #: ``candidates`` per query (only tasks with a two-stage form, e.g. ``vidore``).
    rerank: str | None = Field(default=None, min_length=1)
    #: First-stage candidates per query for ``rerank``: None without it, 100 by default with it.
    candidates: int | None = Field(default=None, ge=1)
    chunk_mb: int = Field(default=32, ge=1)
    #: A BEIR corpus whose embeddings exceed this many MB is searched shard by shard from the
    #: embedding cache (same results); None: always held in memory.
    corpus_memory_mb: float | None = Field(default=None, gt=0)
    bootstrap: int = Field(default=1000, ge=0)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0
    progress: bool = True
    #: What computes missing embeddings: ``local`` (this process) or ``ray`` (a Ray actor pool;
    #: the ``ray_*`` settings below, None = the executor's default; BEIR's exact top-k then
    #: runs as Ray tasks too). Either writes the same cache and the same lists, so neither is
    #: part of the results' identity.
    executor: str = "local"
    ray_address: str | None = None
    ray_actors: int | None = Field(default=None, ge=1)
    ray_cpus_per_actor: float | None = Field(default=None, gt=0)
    ray_gpus_per_actor: float | None = Field(default=None, ge=0)
    #: JPEG draft decoding (``--fast-decode``): faster, approximate pixels; part of the results'
    #: identity and of the image cache key (fast and exact embeddings never mix).
    fast_decode: bool = False
    #: Replace results of a different run found in ``out`` (not part of the results' identity).
    overwrite: bool = False

    @field_validator("precision")
    @classmethod
    def _known_precision(cls, value: str | None) -> str | None:
        if value is not None and value not in PRECISIONS:
            raise ValueError(f"must be one of {', '.join(PRECISIONS)}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_candidates(cls, data: Any) -> Any:
        """``candidates`` defaults to :data:`DEFAULT_CANDIDATES` when ``rerank`` is set."""
        if isinstance(data, dict) and data.get("rerank") and data.get("candidates") is None:
            return {**data, "candidates": DEFAULT_CANDIDATES}
        return data

    @field_validator("candidates")
    @classmethod
    def _candidates_need_rerank(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and not info.data.get("rerank"):
            raise ValueError(
                "needs --rerank MODEL: the candidates are the first stage's top K per query "
                "that the late-interaction reranker rescores"
            )
        return value

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, value: str) -> str:
        from embedlab.embedding.executors.base import EXECUTORS

        if value not in EXECUTORS:
            raise ValueError(f"must be one of {', '.join(EXECUTORS.names())}")
        return value

    @field_validator("ray_address", "ray_actors", "ray_cpus_per_actor", "ray_gpus_per_actor")
    @classmethod
    def _ray_settings_need_ray(cls, value: Any, info: ValidationInfo) -> Any:
        return ray_flag_needs_ray(value, info, "run")

    @field_validator("fast_decode")
    @classmethod
    def _fast_decode_local(cls, value: bool, info: ValidationInfo) -> bool:
        """Ray actors decode exactly: refuse rather than key exact pixels as fast ones."""
        if value and info.data.get("executor", "local") != "local":
            raise ValueError("works only with the local executor (drop --executor ray)")
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
#: ``batch_size``, ``workers``, ``chunk_mb``, ``trust_remote_code``, ``progress``, ``overwrite``,
#: ``executor``, ``ray_*`` and ``corpus_memory_mb``) change where and how fast it runs, not its
#: numbers. Like the part key, ``device`` counts only through the precision it implies.
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
    "muvera",
    "rerank",
    "candidates",
    "fast_decode",
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
