"""``embedlab run SUITE``: a tiny suite file end to end, its resume, --dry-run and the one
up-front message for missing inputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app

TINY = """
models = ["fake:8"]
bootstrap = 20
[[tasks]]
name = "shapes"
protocols = ["t2i", "i2t"]
params = {{data_dir = "{shapes}"}}
[speed]
batch_sizes = [1]
modalities = ["text"]
warmup_seconds = 0.05
min_seconds = 0.05
min_iterations = 2
repeats = 1
parity = false
[report]
enabled = false
"""


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """The console entry point (errors → one ``error:`` line, exit 2), in this process."""
    from embedlab.cli.app import main

    monkeypatch.setattr(sys, "argv", ["embedlab", *args])
    with pytest.raises(SystemExit) as info:
        main()
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out + captured.err


def test_a_suite_file_runs_end_to_end_and_a_rerun_recomputes_nothing(
    tmp_path: Path, shapes_dir: Path
) -> None:
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY.format(shapes=shapes_dir), encoding="utf-8")
    out, cache = tmp_path / "out", tmp_path / "cache"
    common = ("--out", str(out), "--cache-dir", str(cache), "--no-progress")
    code, output = _invoke("run", str(suite), *common)
    assert code == 0, output
    first = json.loads((out / "results.json").read_text())
    assert {(r["task"], r["protocol"]) for r in first["metrics"]} == {
        ("shapes", "t2i"), ("shapes", "i2t")}  # fmt: skip
    assert any(r["metric"] == "throughput" and r["model"] == "fake:8" for r in first["speed"])
    assert first["config"]["suite"]["name"] == "tiny" and "suite_speed" in first["config"]
    assert "running shapes with fake:8" in output and "measured now" in output

    code, output = _invoke("run", "--suite", str(suite), *common)
    assert code == 0, output
    again = json.loads((out / "results.json").read_text())
    assert "reusing finished shapes with fake:8" in output and "running shapes" not in output
    assert "loading fake:8" not in output  # neither the quality nor the speed half loads it
    assert again["speed"] == first["speed"] and again["metrics"] == first["metrics"]
    assert any(n.startswith("speed: reused the speed rows") for n in again["notes"])


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _invoke("run", "--suite", "seed-report", "--dry-run", "--out", str(out),
                           "--cache-dir", str(tmp_path / "cache"),
                           "--trust-remote-code")  # fmt: skip
    assert code == 0, output
    assert "quality: 14 (model, task) parts in 6 group(s)" in output
    assert "time estimate on this machine" in output and "rough (2·params·tokens" in output
    assert not out.exists() and not (tmp_path / "cache").exists()


def test_missing_inputs_are_one_message_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = tmp_path / "data"
    data.mkdir()
    code, output = _main(monkeypatch, capsys, "run", "seed-report", "--data-dir", str(data),
                         "--out", str(tmp_path / "out"), "--no-progress")  # fmt: skip
    assert code == 2, output
    assert output.count("error: ") == 1 and "Traceback" not in output
    assert "suite seed-report: 10 input(s) missing" in output
    assert output.count("  - weights of ") == 7 and output.count("  - dataset ") == 2
    assert "  - model jina-clip-v1 ships its own modelling code: pass --trust-remote-code" in output
    assert "--only speed" in output and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["seed-report", "--model", "fake:8"], "names its own models and tasks"),
        (["default", "--suite", "runtimes"], "two suites given"),
        (["--model", "fake:8", "--task", "shapes", "--dry-run", "--out", "o"], "apply to suites"),
        (["default", "--only", "both"], "--only must be speed or quality"),
        (["no-such-suite"], "unknown suite 'no-such-suite'"),
    ],
)
def test_bad_suite_flags_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:  # fmt: skip
    code, output = _main(monkeypatch, capsys, "run", *args)
    assert code == 2 and message in output and output.count("error: ") == 1, output


MULTI = """
models = ["fake:8"]
bootstrap = 0
[[tasks]]
name = "shapes"
protocols = ["t2i"]
params = {{data_dir = "{shapes}"}}
[quality]
precisions = ["fp32", "bf16"]
[speed]
enabled = false
"""


def test_several_groups_get_folders_a_delta_table_and_one_report(
    tmp_path: Path, shapes_dir: Path
) -> None:
    suite = tmp_path / "multi.toml"
    suite.write_text(MULTI.format(shapes=shapes_dir), encoding="utf-8")
    out = tmp_path / "out"
    args = ("run", str(suite), "--out", str(out), "--cache-dir", str(tmp_path / "c"),
            "--no-progress")  # fmt: skip
    code, output = _invoke(*args)
    assert code == 0, output
    fp32 = json.loads((out / "shapes-fp32" / "results.json").read_text())
    bf16 = json.loads((out / "shapes-bf16" / "results.json").read_text())
    assert {r["precision"] for r in fp32["metrics"]} == {"fp32"}
    assert {r["precision"] for r in bf16["metrics"]} == {"bf16"}
    delta = (out / "quality_delta.csv").read_text().splitlines()
    assert len(delta) == 1 + len(bf16["metrics"]) and ",torch,bf16," in delta[1]
    assert "quality delta = value - torch fp32 value" in output
    assert (out / "report.html").is_file() and "over 2 folder(s)" in output
    code, output = _invoke(*args)
    assert code == 0 and output.count("reusing finished shapes with fake:8") == 2, output


def test_the_speed_half_first_then_the_whole_suite_keeps_the_speed_rows(
    tmp_path: Path, shapes_dir: Path
) -> None:
    suite = tmp_path / "tiny.toml"
    suite.write_text(TINY.format(shapes=shapes_dir), encoding="utf-8")
    common = ("--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), "--no-progress")
    code, output = _invoke("run", str(suite), "--only", "speed", *common)
    assert code == 0 and "running shapes" not in output, output
    speed_only = json.loads((tmp_path / "out" / "results.json").read_text())
    assert speed_only["metrics"] == [] and speed_only["speed"]
    code, output = _invoke("run", str(suite), *common)
    assert code == 0 and "running shapes with fake:8" in output, output
    whole = json.loads((tmp_path / "out" / "results.json").read_text())
    assert whole["metrics"] and whole["speed"] == speed_only["speed"]
    code, output = _invoke("run", str(suite), "--only", "quality", *common)
    assert code == 0 and "reusing finished shapes" in output and "loading" not in output
    again = json.loads((tmp_path / "out" / "results.json").read_text())
    assert again["speed"] == speed_only["speed"] and again["metrics"] == whole["metrics"]
