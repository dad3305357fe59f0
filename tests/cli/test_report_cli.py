"""``embedlab report`` and ``embedlab leaderboard`` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from embedlab.cli.app import app
from tests.report._runs import correlated_hits, make_run

MAIN = (
    "import sys\n"
    "from embedlab.cli.app import main\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    assert 'torch' not in sys.modules, 'report imported torch'\n"
)


def _two(tmp: Path) -> list[Path]:
    hits = correlated_hits([0.6, 0.4], 200, seed=0)
    pairs = correlated_hits([0.5, 0.3], 100, seed=0)
    return [
        make_run(tmp / "runs" / "a", {"m1": (hits[0], pairs[0], (10.0, 20.0))}),
        make_run(tmp / "runs" / "b", {"m2": (hits[1], pairs[1], (30.0, 40.0))}),
    ]


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", MAIN, *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def test_report_writes_both_files(tmp_path: Path) -> None:
    runs = _two(tmp_path)
    out = tmp_path / "rep"
    result = CliRunner().invoke(
        app, ["report", *map(str, runs), "--out", str(out), "--resamples", "50", "--p99-ms", "50"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"wrote {out / 'report.html'}",
        f"wrote {out / 'report.md'}",
    ]
    text = (out / "report.md").read_text()
    assert "**Best quality: m1.**" in text and "p99 latency budget of 50 ms" in text


def test_run_folder_without_results_is_one_line(tmp_path: Path) -> None:
    runs = _two(tmp_path)
    (tmp_path / "empty").mkdir()
    done = _main("report", str(runs[0]), str(tmp_path / "empty"), "--out", str(tmp_path / "r"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "empty" in lines[0], lines
    assert not (tmp_path / "r" / "report.html").exists()
    done = _main("leaderboard", str(tmp_path / "empty"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "empty holds no results.json" in lines[0], lines


def test_leaderboard_pivot_sql_and_html(tmp_path: Path) -> None:
    _two(tmp_path)
    root = tmp_path / "runs"
    done = _main("leaderboard", str(root), "--html", str(tmp_path / "board.html"))
    assert done.returncode == 0, done.stderr
    assert "**shapes — shapes/test" in done.stdout and "| a | m1 | torch | fp32 |" in done.stdout
    assert (
        'data-ref="metric|a|m1|torch|fp32|shapes|t2i|recall@1"'
        in (tmp_path / "board.html").read_text()
    )
    sql = (
        "select model, value from metrics where task='shapes' and metric='recall@1' "
        "and protocol='t2i' order by model"
    )
    done = _main("leaderboard", str(root), "--sql", sql)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["| model | value |", "|---|---|"]
    assert len(done.stdout.strip().splitlines()) == 4
    bad = _main("leaderboard", str(root), "--sql", "select nope from metrics")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --sql failed:")
