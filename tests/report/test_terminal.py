"""What ``embedlab run`` prints: protocol names and notes (a warning is not repeated as a note)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.models.matryoshka import MatryoshkaWarning
from embedlab.report.tables import PROTOCOL_GLOSSES, PROTOCOL_LABELS, protocol_label
from embedlab.report.terminal import render_run
from embedlab.results.io import write_runlog
from embedlab.results.schema import MetricRow, RunLog

WARNING = "model m?dim=8 is not known to be trained for Matryoshka truncation; ..."


def _log(notes: list[str]) -> RunLog:
    row = MetricRow(model="m", runtime="torch", precision="fp32", task="shapes", dataset="shapes",
                    protocol="t2i-first", metric="recall@1", k=1, value=0.5, n=10)  # fmt: skip
    return RunLog(embedlab_version="0", status="complete", started_at="now", config={},
                  environment={}, metrics=[row], notes=notes)  # fmt: skip


def test_protocols_are_named_by_id_with_a_gloss() -> None:
    assert set(PROTOCOL_LABELS) == set(PROTOCOL_GLOSSES) == {"t2i", "t2i-first", "i2t",
                                                             "i2t-symmetric"}  # fmt: skip
    for protocol, label in PROTOCOL_LABELS.items():
        assert label == f"{protocol} ({PROTOCOL_GLOSSES[protocol]})" == protocol_label(protocol)
    assert protocol_label("q2d") == "q2d"
    assert "| m | shapes | t2i-first (first caption) | 50.0 |" in render_run(_log([]))


def test_a_note_already_shown_as_a_warning_is_not_repeated() -> None:
    notes = [f"beir: {WARNING}", "beir: model m: query prompt '' (none)"]
    text = render_run(_log(notes), shown=[WARNING])
    assert WARNING not in text and "note: beir: model m: query prompt" in text
    assert render_run(_log(notes)).count(WARNING) == 1  # a cached re-run: the note alone


def _to_stderr(message: Warning | str, *args: object, **kwargs: object) -> None:
    sys.stderr.write(f"warning: {message}\n")


def test_run_prints_the_matryoshka_message_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model load warns; the run's provenance note says the same: printed once."""
    import embedlab.verbs.run as verb

    def fake_run(config: Any, notify: Any) -> RunLog:
        warnings.warn(WARNING, MatryoshkaWarning, stacklevel=1)
        log = _log([f"shapes: {WARNING}"])
        write_runlog(config.out, log)  # as run() does: the CLI then writes the report from it
        return log

    monkeypatch.setattr(verb, "run", fake_run)
    args = ["run", "-m", "fake:16", "-t", "shapes", "--out", str(tmp_path / "o"), "--no-progress"]
    with warnings.catch_warnings():  # as outside pytest: a warning is written to stderr
        warnings.simplefilter("always")
        warnings.showwarning = _to_stderr
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.count("not known to be trained for Matryoshka") == 1
