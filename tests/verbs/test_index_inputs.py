"""The index study takes dense models only: a multi-vector model is skipped, or refused alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from embedlab.errors import ConfigError
from embedlab.verbs.index_inputs import run_problems
from tests.fixtures.index_runs import FinishedRun


def _with_models(run: FinishedRun, models: list[str], folder: Path) -> Path:
    """A copy of the finished run whose config names ``models``."""
    folder.mkdir()
    shutil.copy(run.folder / "results.json", folder / "results.json")
    raw = json.loads((folder / "results.json").read_text())
    raw["config"]["models"] = models
    (folder / "results.json").write_text(json.dumps(raw))
    return folder


def test_multi_vector_model_refused_in_one_line(
    finished_run: FinishedRun, tiny_colpali_dir: Path, tmp_path: Path
) -> None:
    model = f"hf:{tiny_colpali_dir}"
    run = _with_models(finished_run, [model], tmp_path / "run")
    with pytest.raises(ConfigError) as info:
        run_problems(run, finished_run.cache)
    message = str(info.value)
    assert "\n" not in message and model in message
    assert "indexes take dense vectors" in message and "--muvera on the vidore task" in message


def test_multi_vector_model_skipped_beside_a_dense_one(
    finished_run: FinishedRun, tiny_colpali_dir: Path, tmp_path: Path
) -> None:
    model = f"hf:{tiny_colpali_dir}"
    run = _with_models(finished_run, ["builtin:shapes-clip", model], tmp_path / "run")
    problems = run_problems(run, finished_run.cache)
    assert {item.model for item in problems.items} == {"builtin:shapes-clip"}
    assert any(note.startswith(f"{model}: skipped (a multi-vector") for note in problems.notes)
