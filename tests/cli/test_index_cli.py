"""``embedlab index`` and ``embedlab deploy`` as a user runs them: real processes, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.index_runs import FinishedRun


def _embedlab(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", "from embedlab.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_index_then_deploy(finished_run: FinishedRun, tmp_path: Path) -> None:
    result = _embedlab(
        "index",
        str(finished_run.folder),
        "--out",
        "idx",
        "--index",
        "flat",
        "--index",
        "binary-rescore:R=4,rescore=int8",
        "--scale",
        "500",
        "--scale",
        "1000",
        "--latency-queries",
        "5",
        "--no-progress",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "| exact | 64 |" in result.stdout and "| flat | 64 |" in result.stdout
    assert "Scaling fits (y = c * N^b):" in result.stdout
    assert (tmp_path / "idx" / "index.csv").is_file()
    assert list((tmp_path / "idx").glob("index-pareto-*.png"))
    result = _embedlab(
        "deploy",
        str(finished_run.folder),
        "idx",
        "--items",
        "1000000",
        "--images-per-s",
        "50",
        "--out",
        "dep",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "| builtin:shapes-clip | flat | raw fp32 | 256.00 MB | computed" in result.stdout
    assert (tmp_path / "dep" / "deploy.md").is_file()


def test_missing_cache_is_one_line_exit_2_and_no_results(
    finished_run: FinishedRun, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    result = _embedlab(
        "index",
        str(finished_run.folder),
        "--out",
        "idx",
        "--cache-dir",
        "empty",
        "--no-progress",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: run ")
    assert "re-create them with: embedlab run --model builtin:shapes-clip" in lines[0]
    assert not (tmp_path / "idx" / "results.json").exists()


def test_unknown_index_and_bad_dim_are_one_line_errors(
    finished_run: FinishedRun, tmp_path: Path
) -> None:
    for args, words in (
        (["--index", "hsnw"], "unknown index backend 'hsnw' (did you mean 'hnsw'?)"),
        (["--dim", "999"], "--dim 999: must be between 1 and the embedding dimension 64"),
    ):
        result = _embedlab("index", str(finished_run.folder), "--out", "o", *args, cwd=tmp_path)
        assert result.returncode == 2 and words in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and words in result.stderr.strip().splitlines()[-1]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = _embedlab("--help", cwd=tmp_path)
    assert "index" in result.stdout and "deploy" in result.stdout


def test_list_shows_the_index_backends() -> None:
    from typer.testing import CliRunner

    from embedlab.cli.app import app
    from embedlab.indexes.base import INDEX_BACKENDS

    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    words = {line.split()[0] for line in result.output.splitlines() if line.startswith("  ")}
    assert set(INDEX_BACKENDS.names()) <= words
