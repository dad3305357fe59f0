"""``embedlab compare`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ResultsError
from tests.verbs.test_compare import correlated_ranks, make_run


@pytest.fixture()
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    x, y = correlated_ranks([0.50, 0.55], n=2000)
    return (
        make_run(tmp_path / "a", {"small": {"t2i": x, "i2t": x}}),
        make_run(tmp_path / "b", {"large": {"t2i": y, "i2t": y}}),
    )


def test_prints_the_tables_and_writes_json(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp" / "comparison.json"
    args = ["compare", *map(str, two_runs), "--metric", "recall@1", "--metric", "mrr",
            "--protocol", "t2i", "--resamples", "200", "--json", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "### shapes · t2i (all captions) · recall@1" in result.output
    assert "### shapes · t2i (all captions) · mrr" in result.output
    assert "i2t" not in result.output
    assert "| b | large | 55.0ᵃ |" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [s["label"] for s in data["systems"]] == ["small", "large"]
    assert data["settings"]["test"] == "permutation"
    assert len(data["results"]) == 2 and data["results"][0]["pairs"][0]["significant"] is True


def test_bootstrap_test_flag(two_runs: tuple[Path, Path]) -> None:
    args = ["compare", *map(str, two_runs), "--test", "bootstrap", "--resamples", "100"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "p (bootstrap)" in result.output
    assert "paired bootstrap test" in result.output


def test_bad_run_folder_raises(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["compare", str(two_runs[0]), str(tmp_path / "nope")])
    assert isinstance(result.exception, ResultsError)
    assert "nope" in str(result.exception)


def test_main_prints_one_error_line_without_torch(two_runs: tuple[Path, Path]) -> None:
    code = (
        "import sys\n"
        "from embedlab.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    assert 'torch' not in sys.modules, 'compare imported torch'\n"
    )
    ok = [sys.executable, "-c", code, "compare", *map(str, two_runs), "--resamples", "50"]
    done = subprocess.run(ok, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    bad = [sys.executable, "-c", code, "compare", str(two_runs[0]), "/nonexistent/run"]
    done = subprocess.run(bad, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "/nonexistent/run" in lines[0]


def test_one_footnote_for_all_tables_and_run_protocol_names(two_runs: tuple[Path, Path]) -> None:
    args = ["compare", *map(str, two_runs), "--metric", "recall@1", "--metric", "mrr",
            "--resamples", "100"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("### ") == 4  # {t2i, i2t} × {recall@1, mrr}
    assert result.output.count("Superscript letters") == 1
    assert result.output.count("Holm correction over the 1 pair of each table") == 1
    assert result.output.rstrip().endswith("_")  # the footnote comes after the last table
    from embedlab.report.tables import PROTOCOL_LABELS

    assert f"### shapes · {PROTOCOL_LABELS['i2t']} · mrr" in result.output
    assert PROTOCOL_LABELS["i2t"] == "i2t (any caption)"
