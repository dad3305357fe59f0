"""The layer contract of pyproject.toml holds, and it catches a lower layer importing a higher one.

``lint-imports`` (import-linter) reads the ``[tool.importlinter]`` contract; the second test runs
it on a copy of the package with one deliberate violation (a data module importing the report
layer) and checks that it fails and names the offending import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "embedlab"


def _lint(config: Path, pythonpath: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
         "lint_imports_command()", "--config", str(config), "--no-cache"],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip


def _contract_only(tmp_path: Path) -> Path:
    """pyproject.toml reduced to its import-linter section (nothing to install)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = text.index("[tool.importlinter]")
    end = text.index("[tool.ruff]", start)
    config = tmp_path / "pyproject.toml"
    config.write_text(text[start:end], encoding="utf-8")
    return config


def test_the_package_keeps_its_layers(tmp_path: Path) -> None:
    result = _lint(_contract_only(tmp_path), ROOT / "src", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers point down only KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "violation"),
    [
        ("data/types.py", "import embedlab.report.terminal"),
        ("models/base.py", "import embedlab.runtimes.base"),
        ("stats/intervals.py", "import embedlab.tasks.base"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_fails(
    tmp_path: Path, module: str, violation: str
) -> None:
    copy = tmp_path / "src" / "embedlab"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "weights"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{violation}\n", encoding="utf-8")
    result = _lint(_contract_only(tmp_path), tmp_path / "src", tmp_path)
    assert result.returncode != 0
    assert "Layers point down only BROKEN" in result.stdout
    importer = "embedlab." + module.removesuffix(".py").replace("/", ".")
    imported = violation.split()[-1]
    assert f"{importer} -> {imported}" in result.stdout
