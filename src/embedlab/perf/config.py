"""SpeedConfig: everything one ``embedlab speed`` needs, validated and frozen.

The sweep is the product models × runtimes × precisions × thread counts × batch sizes ×
modalities. The resolved config is written into ``results.json`` so a speed run can be
replayed. ``repeats`` is the number of interleaved rounds (each case is timed once per round,
each timed run meeting both floors); ``quick`` marks a first look with short floors (set by
``--quick``, see :data:`QUICK`); ``isolate`` measures each configuration in its own fresh
process (:mod:`embedlab.perf.isolate`); ``reuse_speed`` keeps the speed rows already in ``out`` when
they were measured with the same settings instead of measuring again.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from embedlab.models.base import PRECISIONS
from embedlab.perf.call_stages import MODALITIES
from embedlab.perf.runner import TimingPlan


class SpeedConfig(BaseModel):
    """Settings of one speed sweep (see ``embedlab speed --help`` for each flag)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: list[str] = Field(min_length=1)
    out: Path
    runtimes: list[str] = Field(default=["torch"], min_length=1)
    precisions: list[str] = Field(default=["fp32"], min_length=1)
    batch_sizes: list[int] = Field(default=[1, 32], min_length=1)
    modalities: list[str] = Field(default=["image", "text"], min_length=1)
    device: str = "cpu"
    threads: list[int] | None = None
    warmup_iterations: int = Field(default=3, ge=0)
    warmup_seconds: float = Field(default=2.0, ge=0)
    min_iterations: int = Field(default=10, ge=1)
    min_seconds: float = Field(default=3.0, ge=0)
    repeats: int = Field(default=3, ge=1)
    quick: bool = False
    reuse_speed: bool = False
    isolate: bool = False
    seed: int = 0
    #: Multi-vector models: documents of the MaxSim throughput case (:mod:`.multivector`).
    maxsim_docs: int = Field(default=1000, ge=1)
    trust_remote_code: bool = False
    quality: Path | None = None
    cache_dir: Path | None = None
    #: Load test of endpoint runtimes (``API+URL``, :mod:`embedlab.perf.load_sweep`): closed
    #: loop over ``concurrency`` levels, or open loop over offered ``rates`` (requests/s).
    concurrency: list[int] | None = None
    rates: list[float] | None = None
    #: Endpoint runtimes: the environment variable holding the API key (never stored).
    api_key_env: str | None = None

    @field_validator("runtimes")
    @classmethod
    def _known_endpoints(cls, values: list[str]) -> list[str]:
        """Endpoint runtimes (``API+URL``) must name a known API and a plain URL."""
        from embedlab.runtimes.endpoint import parse_endpoint

        return [getattr(parse_endpoint(v), "runtime", v) for v in values]

    @field_validator("concurrency", "rates")
    @classmethod
    def _increasing_levels(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and any(v <= 0 for v in values):
            raise ValueError("every load level must be positive")
        return sorted(set(values)) if values else None

    @field_validator("precisions")
    @classmethod
    def _known_precisions(cls, values: list[str]) -> list[str]:
        return _all_in(values, PRECISIONS)

    @field_validator("modalities")
    @classmethod
    def _known_modalities(cls, values: list[str]) -> list[str]:
        return _all_in(values, MODALITIES)

    @field_validator("threads", mode="before")
    @classmethod
    def _thread_list(cls, value: object) -> object:
        """One count (``threads=2``) is a sweep of one; every count must be at least 1."""
        values = [value] if isinstance(value, int) else value
        if isinstance(values, list) and any(isinstance(v, int) and v < 1 for v in values):
            raise ValueError("every thread count must be at least 1")
        return values or None

    @field_validator("batch_sizes")
    @classmethod
    def _positive_batches(cls, values: list[int]) -> list[int]:
        if any(v < 1 for v in values):
            raise ValueError("every batch size must be at least 1")
        return values

    @property
    def plan(self) -> TimingPlan:
        """The warm-up and timed-run floors, and the timed runs per case."""
        return TimingPlan(
            warmup_iterations=self.warmup_iterations,
            warmup_seconds=self.warmup_seconds,
            min_iterations=self.min_iterations,
            min_seconds=self.min_seconds,
            repeats=self.repeats,
        )


def _all_in(values: list[str], allowed: tuple[str, ...]) -> list[str]:
    """``values`` if every one is in ``allowed``, else ValueError naming the first that is not."""
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"{bad[0]!r} is not one of {', '.join(allowed)}")
    return values


#: The timing floors of ``--quick`` (a first look; the output says its figures are rough).
QUICK = {
    "warmup_iterations": 1,
    "warmup_seconds": 0.2,
    "min_iterations": 3,
    "min_seconds": 0.5,
    "repeats": 2,
}
