"""``speed``: run a speed sweep and write its RunLog (the verb behind ``embedlab speed``)."""

from __future__ import annotations

from embedlab.core.clock import embedlab_version, utc_now
from embedlab.perf.config import SpeedConfig
from embedlab.perf.output import build_runlog, write_speed
from embedlab.perf.sweep import Notify, SweepResult, sweep
from embedlab.results.schema import RunLog


def speed(config: SpeedConfig, notify: Notify | None = None) -> tuple[RunLog, SweepResult]:
    """Measure every combination of ``config`` and write ``results.json`` into ``config.out``.

    Returns:
        The written RunLog (``status`` ``failed`` if nothing could be measured; the reasons are
        in ``errors``) and the sweep result with the raw timings.
    """
    started = utc_now()
    result = sweep(config, notify)
    log = build_runlog(config, result, embedlab_version(), started, utc_now())
    write_speed(config.out, log, result)
    return log, result
