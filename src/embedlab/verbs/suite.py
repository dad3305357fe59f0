"""The built-in default suite: what a bare ``embedlab run`` does, offline, in a few minutes.

It runs the model embedlab trains and ships (``builtin:shapes-clip``) on the synthetic
benchmarks that need no download: ``shapes`` retrieval (all four protocols) and ``shapes-pairs``
(Winoground-style text / image / group scores), then measures the model's speed on the torch
runtime and plots quality against throughput. The evaluation sets are generated
deterministically (seed 0) and are disjoint from the model's training scenes.

A re-run recomputes no quality figure (embeddings and per-task parts are cached) but measures
speed again, as ``embedlab speed`` does: a speed figure belongs to the machine's state at the
time. ``reuse_speed=True`` keeps the speed rows of the earlier run instead (same settings);
the speed notes say which happened. Speed follows ``embedlab speed``'s rules: interleaved
rounds, threads = usable physical cores, stability verdicts, ``OMP_WAIT_POLICY=PASSIVE``
requested before the quality step loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedlab.config.run import RunConfig
from embedlab.perf.config import SpeedConfig
from embedlab.perf.sweep import SweepResult
from embedlab.perf.threads import prefer_passive_waiting
from embedlab.results.io import write_runlog
from embedlab.results.schema import RunLog
from embedlab.verbs.run import Notify, run
from embedlab.verbs.speed import SpeedOutcome, carry_speed, reusable, speed

DEFAULT_MODEL = "builtin:shapes-clip"
DEFAULT_TASKS = ("shapes", "shapes-pairs")
DEFAULT_OUT = Path("runs/default")


@dataclass(frozen=True)
class SuiteResult:
    """The quality RunLog, the merged RunLog (quality + speed) and the speed sweep.

    ``speed_reused``: the speed rows were kept from an earlier run (``reuse_speed``), not
    measured now; ``files``: ``path: what it holds`` of each speed file written.
    """

    quality: RunLog
    combined: RunLog
    speed: SweepResult
    speed_reused: bool = False
    files: tuple[str, ...] = ()


def default_configs(
    out: Path,
    cache_dir: Path | None,
    progress: bool,
    threads: int | None,
    reuse_speed: bool = False,
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
        threads=None if threads is None else [threads],
        warmup_seconds=1.0,
        min_seconds=1.0,
        min_iterations=10,
        repeats=3,
        reuse_speed=reuse_speed,
        cache_dir=cache_dir,
    )
    return quality, timing


def run_default_suite(
    out: Path = DEFAULT_OUT,
    cache_dir: Path | None = None,
    progress: bool = True,
    threads: int | None = None,
    notify: Notify | None = None,
    reuse_speed: bool = False,
) -> SuiteResult:
    """Run the default suite (see module docstring); results go to ``out/results.json``."""
    quality_config, speed_config = default_configs(out, cache_dir, progress, threads, reuse_speed)
    prefer_passive_waiting()  # before the quality step imports torch
    earlier = reusable(speed_config) if reuse_speed else None  # read before run() rewrites it
    quality = run(quality_config, notify=notify)
    if earlier is not None:
        log = carry_speed(quality, earlier)
        write_runlog(out, log)
        outcome = SpeedOutcome(log, SweepResult(rows=list(earlier.speed)), reused=True)
    else:
        outcome = speed(speed_config, notify=notify)
    return SuiteResult(
        quality=quality,
        combined=outcome.log,
        speed=outcome.result,
        speed_reused=outcome.reused,
        files=tuple(outcome.files),
    )
