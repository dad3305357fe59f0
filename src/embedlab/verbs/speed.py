"""``speed``: run a speed sweep and write its RunLog (the verb behind ``embedlab speed``).

Speed is measured again on every call: a figure depends on the machine's state at the time,
which a cache key cannot capture. With ``config.reuse_speed`` the speed rows already in
``config.out`` are kept instead when they were measured with the same settings (models,
runtimes, precisions, threads, batch sizes, modalities, device, timing floors, seed); the note
``speed: reused …`` then says so and nothing is loaded.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field

from embedlab.core.clock import embedlab_version, utc_now
from embedlab.errors import BackendError, ConfigError, EmbedlabError
from embedlab.perf.config import SpeedConfig
from embedlab.perf.isolate import sweep_isolated
from embedlab.perf.load_sweep import is_load_test, load_notes, load_sweep
from embedlab.perf.output import build_runlog, existing_runlog, write_speed
from embedlab.perf.rounds import Observe
from embedlab.perf.sweep import Notify, SweepResult, sweep
from embedlab.results.schema import RunLog

#: Config fields that do not change what is measured.
_NOT_MEASURED = {"out", "reuse_speed", "quality", "cache_dir"}


@dataclass(frozen=True)
class SpeedOutcome:
    """What :func:`speed` did: the log, the sweep, and whether rows were reused."""

    log: RunLog
    result: SweepResult
    reused: bool = False
    files: list[str] = field(default_factory=list)


def _measured_settings(config: SpeedConfig) -> dict[str, object]:
    settings = json.loads(config.model_dump_json())
    return {k: v for k, v in settings.items() if k not in _NOT_MEASURED}


def reusable(config: SpeedConfig) -> RunLog | None:
    """The RunLog in ``config.out`` if its speed rows were measured with ``config``'s settings."""
    old = existing_runlog(config.out)
    if old is None or not old.speed:
        return None
    stored = old.config.get("speed", old.config)
    if not isinstance(stored, dict):
        return None
    wanted = _measured_settings(config)
    same = {k: stored.get(k) for k in wanted} == wanted
    return old if same else None


def carry_speed(log: RunLog, old: RunLog) -> RunLog:
    """``log`` with the speed rows, speed config/environment and speed notes of ``old``, and a
    note saying they were reused (measured at ``old``'s time), not measured now."""
    when = old.finished_at or old.started_at
    note = f"speed: reused the speed rows measured {when} (--reuse-speed, same settings)"
    speed_notes = [
        n for n in old.notes
        if n.startswith("speed: ") and not n.startswith(("speed: reused", "speed: measured now"))
    ]  # fmt: skip
    other = [n for n in log.notes if not n.startswith("speed: ")]
    config = {**log.config, "speed": old.config.get("speed", old.config)}
    environment = {**log.environment, "speed": old.environment.get("speed", old.environment)}
    return log.model_copy(
        update={
            "config": config if log is not old else log.config,
            "environment": environment if log is not old else log.environment,
            "speed": list(old.speed),
            "notes": [*other, *speed_notes, note],
        }
    )


def nothing_measured(result: SweepResult) -> ConfigError | BackendError:
    """The one-line error when no case could be timed (the reasons of every skip, counted)."""
    first = result.errors[0] if result.errors else "no case to time"
    more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
    message = f"nothing could be measured: {first}{more}"
    if result.failures and all(isinstance(f, ConfigError) for f in result.failures):
        return ConfigError(message)
    return BackendError(message)


def speed(
    config: SpeedConfig, notify: Notify | None = None, observe: Observe | None = None
) -> SpeedOutcome:
    """Measure every combination of ``config`` and write the results into ``config.out``.

    With endpoint runtimes (``API+URL``) it is a load test (:mod:`embedlab.perf.load_sweep`).

    Files: ``results.json`` (the RunLog, rows joined to a RunLog already there),
    ``speed_samples.json`` (per-call seconds), ``speed.csv`` (one line per measured case).

    Raises:
        ConfigError, BackendError: nothing could be measured (no file is written then).
        UnknownNameError: an unknown ``--runtime`` or model source (before anything loads).
    """
    if config.reuse_speed:
        old = reusable(config)
        if old is not None:
            log = carry_speed(old, old)
            return SpeedOutcome(log=log, result=SweepResult(rows=list(old.speed)), reused=True)
    started = utc_now()
    load = is_load_test(config)
    if load:
        result = load_sweep(config, notify)
    else:
        measure = sweep_isolated if config.isolate else sweep
        result = measure(config, notify, observe)
    if not any(row.metric == "throughput" for row in result.rows):
        raise nothing_measured(result)
    log = build_runlog(config, result, embedlab_version(), started, utc_now())
    if load:
        kept = [note for note in log.notes if not note.startswith("speed: ")]
        log = log.model_copy(update={"notes": [*kept, *load_notes(config, result)]})
    files = write_speed(config.out, log, result)
    _record_arch_speed(config, result)
    return SpeedOutcome(log=log, result=result, files=files)


def _record_arch_speed(config: SpeedConfig, result: SweepResult) -> None:
    """Keep this machine's ``arch:`` throughputs for suite time estimates
    (:mod:`embedlab.verbs.speed_records`); a cache that cannot be written only loses them."""
    from embedlab.core.paths import default_cache_dir
    from embedlab.verbs.speed_records import record_rows

    with contextlib.suppress(OSError, EmbedlabError):
        record_rows(config.cache_dir or default_cache_dir(), result.rows)
