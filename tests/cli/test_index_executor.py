"""``embedlab index RUN --executor ray``: equal to the local study; its flags checked up front.

The study runs in-process on the session's local Ray (``ray_local``) with a tiny
``--corpus-memory-mb``, so BEIR's exact search reads the run's cache shards in Ray tasks, and
with ``--dim 16``, so those tasks truncate what they read. Bad flags go through the real entry
point (:func:`embedlab.cli.app.main`): one line on stderr, exit 2, nothing written, before
the run is read.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app, main
from embedlab.results.io import read_results
from embedlab.results.schema import IndexRow
from embedlab.verbs.index_study import index_study
from tests.fixtures.index_runs import FinishedRun, study_config
from tests.fixtures.ray_local import spy_ray

TINY_MB = 1e-6


def _quality(rows: list[IndexRow]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """End-task and recall rows (not timings) by what they measure."""
    kept = [r for r in rows if r.scale_n is None and r.unit in ("fraction", "rank")]
    return {
        (r.model, r.task, r.protocol, r.index, r.dim, r.metric, r.k): (
            (r.value, r.n, r.ci_low, r.ci_high, r.delta, r.p_value)
        )
        for r in kept
    }


def test_index_with_ray_equals_the_local_study(
    finished_run: FinishedRun, tmp_path: Path, ray_local: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_ray(monkeypatch)
    out = tmp_path / "ray"
    args = ["index", str(finished_run.folder), "--out", str(out), "--index", "flat"]
    args += ["--dim", "16", "--corpus-memory-mb", str(TINY_MB), "--scale", "300"]
    args += ["--latency-queries", "3", "--no-progress", "--executor", "ray"]
    result = CliRunner().invoke(app, [*args, "--ray-cpus-per-task", "0.25"])
    assert result.exit_code == 0, result.output
    shards = [kind for call in calls for kind in call]
    assert shards and set(shards) == {"cache"}  # the tasks read the run's cache shards
    local = index_study(
        study_config(finished_run, tmp_path / "local", indexes=["flat"], dims=[16],
                     corpus_memory_mb=TINY_MB, latency_queries=3)
    )  # fmt: skip
    ray_rows = _quality(read_results(out / "results.json").index or [])
    local_rows = _quality(local.index or [])
    assert ray_rows == local_rows
    beir = {(key[3], key[5]) for key in ray_rows if key[1] == "beir-synthetic"}
    assert {("exact", "ndcg"), ("exact dim=16", "ndcg"), ("flat", "ndcg")} <= beir


def _dead_address() -> str:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--ray-address", "auto"], "--ray-address: applies only with --executor ray"),
        (["--ray-cpus-per-task", "1"], "--ray-cpus-per-task: applies only with --executor ray"),
        (["--executor", "spark"], "--executor: must be one of local, ray (got 'spark')"),
        (["--executor", "ray", "--ray-cpus-per-task", "0"], "--ray-cpus-per-task must be greater"),
        (["--executor", "ray", "--ray-address", "http://x"], "is not a Ray address"),
        (["--executor", "ray", "--ray-address", "DEAD"], "nothing answers at 127.0.0.1:"),
        (["--corpus-memory-mb", "0"], "--corpus-memory-mb must be greater than 0"),
        (["--executor", "ray", "NO-RAY"], "pip install 'embedlab[ray]'"),
    ],
)
def test_bad_executor_flags_are_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    expected: str,
) -> None:
    if "NO-RAY" in flags:
        flags = flags[:-1]
        monkeypatch.setitem(sys.modules, "ray", None)  # ``import ray`` fails as if not installed
    flags = [_dead_address() if f == "DEAD" else f for f in flags]
    out = tmp_path / "o"
    run = tmp_path / "run"  # never read: the flags are refused first
    argv = ["embedlab", "index", str(run), "--out", str(out), *flags]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert not out.exists()
