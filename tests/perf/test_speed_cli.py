"""``embedlab speed`` end to end on the fake model and a tiny transformers model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ConfigError
from embedlab.perf.threads import default_threads
from embedlab.results.io import read_results, write_runlog
from embedlab.results.schema import MetricRow, RunLog

QUICK = ["--warmup-iterations", "1", "--warmup-seconds", "0", "--min-iterations", "2",
         "--min-seconds", "0"]  # fmt: skip


def _speed(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["speed", *args, *QUICK])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_fake_model_writes_speed_rows_samples_and_a_table(tmp_path: Path) -> None:
    code, output = _speed("-m", "fake:16", "--out", str(tmp_path), "--batch-size", "1",
                          "--batch-size", "4")  # fmt: skip
    assert code == 0, output
    assert f"| fake:16 | torch | fp32 | {default_threads()} | 4 |" in output
    assert "images/s" in output
    assert "synthetic 640x480 RGB images" in output
    log = read_results(tmp_path)
    assert log.status == "complete" and not log.errors
    throughput = {(r.modality, r.batch_size) for r in log.speed if r.metric == "throughput"}
    assert throughput == {("image", 1), ("image", 4), ("text", 1), ("text", 4)}
    assert all(r.value > 0 for r in log.speed if r.metric != "cold_start")
    assert log.config["batch_sizes"] == [1, 4] and "cpu" in log.environment
    samples = json.loads((tmp_path / "speed_samples.json").read_text())
    assert len(samples["cases"]) == 4
    assert all(len(c["seconds"][c["region"]]) == c["iterations"] for c in samples["cases"])


def test_tiny_transformers_model(tiny_clip_dir: Path, tmp_path: Path) -> None:
    code, output = _speed("-m", f"hf:{tiny_clip_dir}", "--out", str(tmp_path),
                          "--batch-size", "2", "--threads", "1")  # fmt: skip
    assert code == 0, output
    log = read_results(tmp_path)
    rows = [r for r in log.speed if r.metric == "throughput"]
    assert {r.modality for r in rows} == {"image", "text"}
    assert all(r.threads == 1 and r.runtime == "torch" for r in rows)
    assert log.environment["torch_threads"] == 1


def test_an_unsupported_combination_is_skipped_not_fatal(tmp_path: Path) -> None:
    code, output = _speed("-m", "fake:8", "--out", str(tmp_path), "--precision", "fp32",
                          "--precision", "int8", "--modality", "text",
                          "--batch-size", "1")  # fmt: skip
    assert code == 0, output
    log = read_results(tmp_path)
    assert log.status == "complete"
    assert len(log.errors) == 1 and "[torch int8, " in log.errors[0]
    assert "skipped: --precision int8" in log.errors[0]


def test_nothing_measurable_is_one_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with pytest.raises(ConfigError, match=r"nothing could be measured: .*--precision int8"):
        _speed("-m", "fake:8", "--out", str(out), "--precision", "int8")
    assert not out.exists()


def test_a_bad_flag_names_itself(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--modality"):
        _speed("-m", "fake:8", "--out", str(tmp_path), "--modality", "audio")


def _quality_run(folder: Path, models: dict[str, float]) -> Path:
    metrics = [
        MetricRow(model=m, runtime="torch", precision="fp32", task="shapes", dataset="shapes",
                  protocol="t2i", metric="recall@1", k=1, value=v, n=100)
        for m, v in models.items()
    ]  # fmt: skip
    log = RunLog(embedlab_version="0", status="complete", started_at="t", config={"models": []},
                 environment={}, metrics=metrics)  # fmt: skip
    write_runlog(folder, log)
    return folder


def test_quality_rows_give_a_pareto_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    quality = _quality_run(tmp_path / "run", {"fake:8": 0.4, "fake:16": 0.5})
    out = tmp_path / "speed"
    code, output = _speed("-m", "fake:8", "-m", "fake:16", "--out", str(out),
                          "--quality", str(quality), "--modality", "image")  # fmt: skip
    assert code == 0, output
    png = out / "pareto.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_speed_rows_join_a_quality_run_in_the_same_folder(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _quality_run(tmp_path, {"fake:8": 0.4})
    code, output = _speed("-m", "fake:8", "--out", str(tmp_path), "--modality", "text")
    assert code == 0, output
    log = read_results(tmp_path)
    assert len(log.metrics) == 1 and log.speed
    assert log.config["models"] == [] and log.config["speed"]["models"] == ["fake:8"]
    assert (tmp_path / "pareto.png").is_file()
    code, _ = _speed("-m", "fake:8", "--out", str(tmp_path), "--modality", "text")
    again = read_results(tmp_path)
    assert len(again.speed) == len(log.speed)  # re-measured rows replace, not duplicate


def test_a_bad_quality_folder_fails_before_measuring(tmp_path: Path) -> None:
    from embedlab.errors import ResultsError

    with pytest.raises(ResultsError):
        _speed("-m", "fake:8", "--out", str(tmp_path / "o"), "--quality", str(tmp_path / "none"))
    assert not (tmp_path / "o").exists()
