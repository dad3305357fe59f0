"""Run a suite's plan: the quality groups (``verbs.run.run``), then the speed groups
(``verbs.speed.speed``), all under one ``out``; a re-run recomputes nothing already done.

Quality parts resume as any run does (finished parts are reused). Speed rows already in
``out/results.json`` are kept for a speed group when the plan reuses speed (the suite's
``speed.reuse``, or ``--reuse-speed``) and they were measured with the same settings (recorded
per group under ``config.suite_speed``); otherwise that group is measured now. With several
quality groups a failing group does not stop the others: the failures are listed at the end
(:class:`~embedlab.errors.ConfigError` / ``BackendError``, one line each) after everything that
could run has been published. ``--only quality`` keeps the speed rows already in ``out``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from embedlab.errors import BackendError, EmbedlabError
from embedlab.perf.config import SpeedConfig
from embedlab.perf.output import existing_runlog
from embedlab.perf.sweep import SweepResult
from embedlab.perf.threads import prefer_passive_waiting
from embedlab.results.io import write_runlog
from embedlab.results.schema import RunLog
from embedlab.verbs.run import Notify
from embedlab.verbs.speed import SpeedOutcome, carry_speed
from embedlab.verbs.suite_plan import SpeedGroup, SuitePlan

QualityRun = Callable[..., RunLog]
SpeedRun = Callable[..., SpeedOutcome]
_NOT_MEASURED = {"out", "reuse_speed", "quality", "cache_dir"}


@dataclass(frozen=True)
class SuiteResult:
    """The quality RunLog(s), the merged RunLog of ``out`` (quality + speed) and the speed rows.

    ``quality``: the first group's log (the only one for a one-group suite); ``logs``: each
    group's by label; ``speed_reused``: every speed row was kept from an earlier run;
    ``files``: ``path: what it holds`` of each speed file written; ``failures``: one line per
    quality group that failed (several groups only).
    """

    quality: RunLog | None
    combined: RunLog | None
    speed: SweepResult
    speed_reused: bool = False
    files: tuple[str, ...] = ()
    logs: dict[str, RunLog] = field(default_factory=dict)
    failures: tuple[str, ...] = ()


def settings_of(config: SpeedConfig) -> dict[str, Any]:
    """What a speed group's rows depend on (JSON form), for the reuse check."""
    data = json.loads(config.model_dump_json())
    return {k: v for k, v in data.items() if k not in _NOT_MEASURED}


def _same(earlier: RunLog | None, group: SpeedGroup, single: bool) -> bool:
    if earlier is None or not earlier.speed:
        return False
    stored = earlier.config.get("suite_speed", {}).get(group.label)
    if stored is None and single:
        stored = earlier.config.get("speed")
    timed = {row.model for row in earlier.speed if row.metric == "throughput"}
    return stored == settings_of(group.config) and set(group.config.models) <= timed


def _speed_half_of(plan: SuitePlan, log: RunLog | None) -> bool:
    """``log`` holds only this suite's speed half (``--only speed`` ran into ``out`` first)."""
    if log is None or "tasks" in log.config:
        return False
    suite = log.config.get("suite")
    return isinstance(suite, dict) and suite.get("name") == plan.suite.name


def run_suite(
    plan: SuitePlan,
    notify: Notify | None = None,
    quality_run: QualityRun | None = None,
    speed_run: SpeedRun | None = None,
) -> SuiteResult:
    """Run every group of ``plan`` (see the module docstring); return what was done."""
    from embedlab.verbs.run import run
    from embedlab.verbs.speed import speed

    do_quality = quality_run or run
    do_speed = speed_run or speed
    say = notify or (lambda message: None)
    prefer_passive_waiting()  # before the quality step imports torch
    earlier = existing_runlog(plan.out)  # read before run() rewrites it
    logs: dict[str, RunLog] = {}
    failures: list[str] = []
    for group in plan.quality:
        config = group.config
        if config.out == plan.out and _speed_half_of(plan, earlier):
            config = config.model_copy(update={"overwrite": True})  # its rows are carried
        try:
            logs[group.label] = do_quality(config, notify=notify)
        except EmbedlabError as exc:
            if len(plan.quality) == 1:
                raise
            failures.append(f"{group.label}: {exc}")
            say(f"suite {plan.suite.name}: {group.label} failed: {exc}")
    single = len(plan.speed) == 1
    reused = [g for g in plan.speed if plan.reuse_speed and _same(earlier, g, single)]
    outcome: SpeedOutcome | None = None
    kept = not plan.speed and earlier is not None and bool(earlier.speed)  # --only quality
    if (reused or kept) and earlier is not None:
        base = existing_runlog(plan.out)
        log = carry_speed(base, earlier) if base is not None else earlier
        write_runlog(plan.out, log)
        outcome = SpeedOutcome(log, SweepResult(rows=list(earlier.speed)), reused=True)
    measured = SweepResult()
    files: list[str] = []
    for timing in plan.speed:
        if timing in reused:
            continue
        outcome = do_speed(timing.config, notify=notify)
        measured.rows.extend(outcome.result.rows)
        measured.errors.extend(outcome.result.errors)
        files = list(outcome.files)
    combined = _finish(plan, outcome.log if outcome is not None else None, earlier)
    rows = combined.speed if combined is not None else []
    first = next(iter(logs.values()), None)
    return SuiteResult(
        quality=first,
        combined=combined,
        speed=SweepResult(rows=list(rows), errors=measured.errors),
        speed_reused=bool(plan.speed) and len(reused) == len(plan.speed),
        files=tuple(files),
        logs=logs,
        failures=tuple(failures),
    )


def _finish(plan: SuitePlan, log: RunLog | None, earlier: RunLog | None) -> RunLog | None:
    """Record each speed group's settings (with those of rows kept from ``earlier``) and the
    suite's notes in ``out/results.json``."""
    if log is None:
        return None
    previous = earlier.config.get("suite_speed", {}) if earlier is not None else {}
    suite = {"name": plan.suite.name, "groups": [g.label for g in plan.quality]}
    config = {
        **log.config,
        "suite": suite,
        "suite_speed": {**previous, **{g.label: settings_of(g.config) for g in plan.speed}},
    }
    extra = [*plan.notes, *(f"skipped: {s}" for s in plan.skipped)]
    notes = [*[n for n in log.notes if n not in extra], *extra]
    final = log.model_copy(update={"config": config, "notes": notes})
    write_runlog(plan.out, final)
    return final


def raise_failures(result: SuiteResult) -> None:
    """One error naming every quality group that failed (after the rest was published)."""
    if result.failures:
        raise BackendError(
            f"{len(result.failures)} part(s) of the suite failed: " + "; ".join(result.failures)
        )
