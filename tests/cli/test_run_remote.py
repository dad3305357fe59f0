"""``embedlab run --model remote:<folder>``: refused without ``--trust-remote-code``, run with it.

The model is the session's ``tiny_remote_dir`` (a folder shipping its own modelling code,
tests/fixtures/tiny_remote_code.py) on the generated ``shapes`` task. The refusal goes through
the console entry point (``main()``: one ``error:`` line, exit 2, nothing published); the run
through typer's ``CliRunner``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app, main
from embedlab.models.fingerprint import code_digest


def _args(model: str, shapes_dir: Path, out: Path) -> list[str]:
    return ["run", "--model", model, "--task", "shapes", "--data-dir", str(shapes_dir),
            "--out", str(out), "--cache-dir", str(out.parent / "cache"), "--no-progress",
            "--bootstrap", "20"]  # fmt: skip


def test_run_without_the_flag_is_one_error_line_and_nothing_published(
    tiny_remote_dir: Path,
    shapes_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(
        sys, "argv", ["embedlab", *_args(f"remote:{tiny_remote_dir}", shapes_dir, out)]
    )
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: ")
    assert "--trust-remote-code" in errors[0] and "modeling_tiny.TinyJinaCLIPModel" in errors[0]
    assert not (out / "results.json").exists()


def test_run_with_the_flag_records_the_code_digest(
    tiny_remote_dir: Path, shapes_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    model = f"remote:{tiny_remote_dir}"
    result = CliRunner().invoke(app, [*_args(model, shapes_dir, out), "--trust-remote-code"])
    assert result.exit_code == 0, result.output
    log = json.loads((out / "results.json").read_text())
    assert log["status"] == "complete" and log["config"]["trust_remote_code"] is True
    rows = [row for row in log["metrics"] if row["model"] == model]
    recalls = [row["value"] for row in rows if row["metric"].startswith("recall")]
    assert recalls and all(0.0 <= value <= 1.0 for value in recalls)
    assert log["environment"]["models"][model]["embedding_dim"] == 12
    notes = [note for note in log["notes"] if "remote code trusted" in note]
    assert notes and code_digest(tiny_remote_dir) in notes[0]
    assert "modeling_tiny.TinyJinaCLIPModel" in notes[0]
