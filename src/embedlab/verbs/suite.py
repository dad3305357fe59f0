"""The built-in default suite: what a bare ``embedlab run`` does, offline, in a few minutes.

It is the suite file ``config/suites/default.toml``: the model embedlab trains and ships
(``builtin:shapes-clip``) on the synthetic benchmarks that need no download: ``shapes``
retrieval (all four protocols) and ``shapes-pairs`` (Winoground-style text / image / group
scores), then the model's speed on the torch runtime and a plot of quality against throughput.
The evaluation sets are generated deterministically (seed 0) and are disjoint from the model's
training scenes. Any suite runs the same way (:mod:`embedlab.verbs.suite_run`).

A re-run recomputes no quality figure (embeddings and per-task parts are cached) but measures
speed again, as ``embedlab speed`` does: a speed figure belongs to the machine's state at the
time (the default suite sets ``speed.reuse = false``). ``reuse_speed=True`` keeps the speed rows
of the earlier run instead (same settings); the speed notes say which happened. Speed follows
``embedlab speed``'s rules: interleaved rounds, threads = usable physical cores, stability
verdicts, ``OMP_WAIT_POLICY=PASSIVE`` requested before the quality step loads torch.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from embedlab.config.run import RunConfig
from embedlab.config.suite import load_suite
from embedlab.perf.config import SpeedConfig
from embedlab.verbs.run import Notify, run
from embedlab.verbs.speed import speed
from embedlab.verbs.suite_plan import PlanOptions, QualityGroup, SpeedGroup, build_plan
from embedlab.verbs.suite_run import SuiteResult, run_suite

__all__ = ["DEFAULT_OUT", "SuiteResult", "default_configs", "run_default_suite"]

DEFAULT_MODEL = "builtin:shapes-clip"
DEFAULT_TASKS = ("shapes", "shapes-pairs")
DEFAULT_OUT = Path("runs/default")


def default_configs(
    out: Path,
    cache_dir: Path | None,
    progress: bool,
    threads: int | None,
    reuse_speed: bool = False,
) -> tuple[RunConfig, SpeedConfig]:
    """The quality and speed settings of the default suite file, writing into ``out``."""
    options = PlanOptions(
        out=out, cache_dir=cache_dir, progress=progress, threads=threads, reuse_speed=reuse_speed
    )
    plan = build_plan(load_suite("default"), options)
    return plan.quality[0].config, plan.speed[0].config


def run_default_suite(
    out: Path = DEFAULT_OUT,
    cache_dir: Path | None = None,
    progress: bool = True,
    threads: int | None = None,
    notify: Notify | None = None,
    reuse_speed: bool = False,
) -> SuiteResult:
    """Run the default suite (see module docstring); results go to ``out/results.json``."""
    quality, timing = default_configs(out, cache_dir, progress, threads, reuse_speed)
    plan = build_plan(load_suite("default"), PlanOptions(out=out, cache_dir=cache_dir))
    plan = replace(
        plan,
        quality=(QualityGroup(plan.quality[0].label, quality),),
        speed=(SpeedGroup(plan.speed[0].label, timing),),
        reuse_speed=reuse_speed,
    )
    return run_suite(plan, notify, quality_run=run, speed_run=speed)
