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
    assert "T2I (all captions)" in result.stdout and "Group score" in result.stdout
    r1 = next(r["value"] for r in log["metrics"]
              if (r["task"], r["protocol"], r["metric"]) == ("shapes", "t2i", "recall@1"))
    assert r1 > 10 * (1 / 200), "the built-in model is far above chance (0.5%)"
    assert elapsed < 600
