"""The built-in default suite: what a bare ``embedlab run`` does, offline, in a few minutes.

It runs the model embedlab trains and ships (``builtin:shapes-clip``) on the synthetic
benchmarks that need no download: ``shapes`` retrieval (all four protocols) and ``shapes-pairs``
(Winoground-style text / image / group scores), then measures the model's speed on the torch
runtime and plots quality against throughput. The evaluation sets are generated
deterministically (seed 0) and are disjoint from the model's training scenes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedlab.config.run import RunConfig
from embedlab.perf.config import SpeedConfig
from embedlab.perf.sweep import SweepResult
from embedlab.results.schema import RunLog
from embedlab.verbs.run import Notify, run
from embedlab.verbs.speed import speed

DEFAULT_MODEL = "builtin:shapes-clip"
DEFAULT_TASKS = ("shapes", "shapes-pairs")
DEFAULT_OUT = Path("runs/default")


@dataclass(frozen=True)
class SuiteResult:
    """The quality RunLog, the merged RunLog (quality + speed) and the speed sweep."""

    quality: RunLog
    combined: RunLog
    speed: SweepResult


def default_configs(
    out: Path, cache_dir: Path | None, progress: bool, threads: int | None
) -> tuple[RunConfig, SpeedConfig]:
    """The quality and speed settings of the default suite, writing into ``out``."""
    extra = {} if cache_dir is None else {"cache_dir": cache_dir}
    quality = RunConfig(
        models=[DEFAULT_MODEL],
        tasks=list(DEFAULT_TASKS),
        out=out,
        progress=progress,
        **extra,  # type: ignore[arg-type]
    )
    timing = SpeedConfig(
        models=[DEFAULT_MODEL],
        out=out,
        batch_sizes=[1, 32],
        threads=threads,
        warmup_seconds=1.0,
        min_seconds=3.0,
        min_iterations=10,
        cache_dir=cache_dir,
    )
    return quality, timing


def run_default_suite(
    out: Path = DEFAULT_OUT,
    cache_dir: Path | None = None,
    progress: bool = True,
    threads: int | None = None,
    notify: Notify | None = None,
) -> SuiteResult:
    """Run the default suite (see module docstring); results go to ``out/results.json``."""
    quality_config, speed_config = default_configs(out, cache_dir, progress, threads)
    quality = run(quality_config, notify=notify)
    combined, result = speed(speed_config, notify=notify)
    return SuiteResult(quality=quality, combined=combined, speed=result)
