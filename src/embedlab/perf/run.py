"""``speed``: run a speed sweep and write its RunLog (the verb behind ``embedlab speed``)."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import metadata

from embedlab.perf.config import SpeedConfig
from embedlab.perf.output import build_runlog, write_speed
from embedlab.perf.sweep import Notify, SweepResult, sweep
from embedlab.results.schema import RunLog


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    try:
        return metadata.version("embedlab")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def speed(config: SpeedConfig, notify: Notify | None = None) -> tuple[RunLog, SweepResult]:
    """Measure every combination of ``config`` and write ``results.json`` into ``config.out``.

    Returns:
        The written RunLog (``status`` ``failed`` if nothing could be measured; the reasons are
        in ``errors``) and the sweep result with the raw timings.
    """
    started = _now()
    result = sweep(config, notify)
    log = build_runlog(config, result, _version(), started, _now())
    write_speed(config.out, log, result)
    return log, result
