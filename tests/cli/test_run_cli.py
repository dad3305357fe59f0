"""``embedlab run`` as a user runs it: a real process, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


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


def test_run_prints_table_and_writes_results(tmp_path: Path, shapes_dir: Path) -> None:
    result = _embedlab(
        "run",
        "--model",
        "fake:16",
        "--task",
        "shapes",
        "--data-dir",
        str(shapes_dir),
        "--out",
        "out",
        "--cache-dir",
        "cache",
        "--no-progress",
        "--bootstrap",
        "100",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "| fake:16 | shapes | t2i (all captions) |" in result.stdout
    assert "i2t-symmetric (first captions)" in result.stdout
    log = json.loads((tmp_path / "out" / "results.json").read_text())
    assert log["schema_version"] == 1 and log["status"] == "complete"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "fake:16", "--task", "nope"], "unknown task 'nope'; valid tasks:"),
        (["--model", "nosuch:x", "--task", "shapes"], "unknown model source 'nosuch'"),
        (["--model", "fake:16", "--task", "shapes", "--precision", "fp64"], "--precision"),
        (["--model", "fake:16", "--task", "shapes", "--batch-size", "0"], "--batch-size"),
        (["--model", "fake:16", "--task", "shapes", "--protocol", "x2y"], "--protocol 'x2y'"),
        (
            ["--model", "fake:16", "--task", "beir-synthetic", "--corpus-memory-mb", "0"],
            "--corpus-memory-mb must be greater than 0",
        ),
        (
            ["--model", "fake:16", "--task", "coco-karpathy", "--data-dir", "missing"],
            "--data-dir 'missing' does not exist",
        ),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = _embedlab(
        "run", *args, "--out", "out", "--cache-dir", "cache", "--no-progress", cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and result.stderr.strip().endswith(errors[0]), result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_help_and_list_import_no_framework(tmp_path: Path) -> None:
    script = (
        "import sys\nfrom typer.testing import CliRunner\nfrom embedlab.cli.app import app\n"
        "r = CliRunner()\nassert r.invoke(app, ['--help']).exit_code == 0\n"
        "out = r.invoke(app, ['list'])\nassert out.exit_code == 0, out.output\n"
        "print(out.output)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'open_clip') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "coco-karpathy" in result.stdout and "hf:" in result.stdout
