"""The README's first command: a bare ``embedlab run`` runs the built-in offline suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.slow
def test_bare_run_is_the_offline_suite(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "EMBEDLAB_CACHE": str(tmp_path / "cache")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", "from embedlab.cli.app import main; main()", "run",
         "--no-progress"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    out = tmp_path / "runs" / "default"
    log = json.loads((out / "results.json").read_text())
    tasks = {(r["task"], r["protocol"]) for r in log["metrics"]}
    assert {("shapes", p) for p in ("t2i", "t2i-first", "i2t", "i2t-symmetric")} <= tasks
    assert ("shapes-pairs", "all") in tasks
    assert any(r["metric"] == "throughput" for r in log["speed"])
    assert (out / "pareto.png").stat().st_size > 1000
    assert "t2i (all captions)" in result.stdout and "Group score" in result.stdout
    r1 = next(r["value"] for r in log["metrics"]
              if (r["task"], r["protocol"], r["metric"]) == ("shapes", "t2i", "recall@1"))
    assert r1 > 10 * (1 / 200), "the built-in model is far above chance (0.5%)"
    assert elapsed < 600


def _quick_suite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The suite on ``fake:8`` with short floors, its quality step replaced by a stub that
    rewrites results.json as the real one does (so speed reuse must survive that)."""
    from embedlab.perf.config import QUICK
    from embedlab.results.io import write_runlog
    from embedlab.results.schema import MetricRow, RunLog
    from embedlab.verbs import suite

    original = suite.default_configs

    def configs(*args: object, **kwargs: object) -> object:
        quality, timing = original(*args, **kwargs)  # type: ignore[arg-type]
        update = {**QUICK, "models": ["fake:8"], "modalities": ["text"], "batch_sizes": [1]}
        return quality, timing.model_copy(update=update)

    def quality_run(config: object, notify: object = None) -> RunLog:
        row = MetricRow(model="fake:8", runtime="torch", precision="fp32", task="shapes",
                        dataset="shapes", protocol="t2i", metric="recall@1", k=1, value=0.5,
                        n=10)  # fmt: skip
        log = RunLog(embedlab_version="0", status="complete", started_at="t",
                     config={"models": ["fake:8"]}, environment={}, metrics=[row])  # fmt: skip
        write_runlog(tmp_path, log)
        return log

    monkeypatch.setattr(suite, "default_configs", configs)
    monkeypatch.setattr(suite, "run", quality_run)


def test_the_suite_speed_step_follows_the_speed_rules(tmp_path: Path) -> None:
    from embedlab.verbs.suite import default_configs

    _, timing = default_configs(tmp_path, None, False, None, reuse_speed=True)
    assert timing.repeats >= 2  # interleaved rounds give a spread
    assert timing.threads is None  # default: usable physical cores, recorded per row
    assert timing.reuse_speed is True


def test_the_suite_measures_speed_again_unless_asked_to_reuse_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from embedlab.results.io import read_results
    from embedlab.verbs.suite import run_default_suite

    _quick_suite(monkeypatch, tmp_path)
    first = run_default_suite(tmp_path, progress=False)
    assert not first.speed_reused and any("measured now" in n for n in first.combined.notes)
    assert all(r.unstable is not None for r in first.speed.rows if r.metric == "throughput")
    reused = run_default_suite(tmp_path, progress=False, reuse_speed=True)
    assert reused.speed_reused
    assert any(n.startswith("speed: reused the speed rows") for n in reused.combined.notes)
    on_disk = read_results(tmp_path)
    assert on_disk.metrics and on_disk.speed == first.combined.speed  # kept, not re-measured
    again = run_default_suite(tmp_path, progress=False)
    assert not again.speed_reused and again.combined.speed != first.combined.speed
