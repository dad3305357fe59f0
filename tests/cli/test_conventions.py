"""Conventions every command shares: help metavars, --version, one-line usage errors, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from embedlab.cli.app import app, main
from embedlab.core.clock import embedlab_version

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
# typer's own type tags (<list[str]>, <bool>, <path>, <int range>, ...), never shown by us.
TYPE_TAG = re.compile(r"<(?:list\[[^\]]*\]|bool|str|int|float|path|Path|[a-z]+ range)>")
CONVENTIONAL = {"TEXT", "INTEGER", "FLOAT", "PATH"}


def _help(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _option_rows(text: str) -> dict[str, str]:
    """``{"--seed": "INTEGER", "--help": ""}``: each option of the help's box and its metavar."""
    rows = {}
    for line in text.splitlines():
        start = re.match(r"│[ *]{1,5}(--[\w-]+)", line)  # an option's first line, not a wrap
        if start:
            cells = [c for c in line[start.end() :].split() if not c.startswith("-")]
            first = cells[0] if cells else ""
            rows[start.group(1)] = first if first.upper() == first and first != "│" else ""
    return rows


def test_every_command_is_checked() -> None:
    assert {"run", "list", "generate", "compare", "speed"} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_uses_conventional_metavars(command: str) -> None:
    text = _help(*([command] if command else []))
    assert not TYPE_TAG.search(text), TYPE_TAG.search(text)
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage, usage
    rows = _option_rows(text)
    assert rows["--help"] == ""  # a flag has no metavar


def test_metavars_by_type_and_flags_without_one() -> None:
    run = _option_rows(_help("run"))
    assert run["--out"] == "PATH" and run["--batch-size"] == "INTEGER"
    assert run["--confidence"] == "FLOAT" and run["--split"] == "TEXT"
    assert run["--model"] == "MODEL" and run["--task"] == "TASK"
    assert run["--trust-remote-code"] == "" and run["--progress"] == ""
    generate = _help("generate")
    assert "Usage: embedlab generate [OPTIONS] KIND" in generate
    assert "Usage: embedlab compare [OPTIONS] RUN_DIR..." in _help("compare")
    assert set(_option_rows(generate).values()) <= CONVENTIONAL | {""}


def test_required_out_is_marked() -> None:
    assert re.search(r"--out\s+PATH\s+Folder to write the dataset into\. \[required\]",
                     _help("generate"))  # fmt: skip
    assert "Required with --model/--task" in " ".join(_help("run").split())


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"embedlab {embedlab_version()}\n"


def _main(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["embedlab", *argv])
    with pytest.raises(SystemExit) as stop:
        main()
    return int(stop.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "-m", "fake:16", "-t", "shapes", "--out", "o", "--workers", "0"],
         "error: --workers must be at least 1 (got 0)\n"),
        (["run", "-m", "fake:16", "-t", "shapes", "--out", "o", "--batch-size", "0"],
         "error: --batch-size must be at least 1 (got 0)\n"),
        (["run", "-m", "fake:16", "-t", "shapes", "--out", "o", "--confidence", "1.5"],
         "error: --confidence must be less than 1.0 (got 1.5)\n"),
        (["generate", "shapes", "--out", "g", "--size", "4000"],
         "error: --size must be at most 1104 for shapes (got 4000)\n"),
        (["generate", "beir-synthetic", "--out", "g", "--size", "1"],
         "error: --size must be at least 2 for beir-synthetic (got 1)\n"),
        (["generate", "shapes", "--out", "g", "--seed", "-1"],
         "error: --seed must be at least 0 (got -1)\n"),
    ],
)  # fmt: skip
def test_range_errors_are_one_line_naming_the_flag(
    argv: list[str], expected: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert _main(argv, capsys, monkeypatch) == (2, expected)
    assert not (tmp_path / "g").exists() and not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["run", "--workers", "abc"], "error: --workers: input should be a valid integer"),
        (["run", "--bogus"], "error: no such option: --bogus"),
        (["generate"], "error: missing argument 'KIND'"),
        (["generate", "shapes"], "error: missing option '--out'"),
        (["nosuch"], "error: no such command 'nosuch'"),
    ],
)
def test_parser_errors_are_ours(
    argv: list[str], start: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    code, err = _main(argv, capsys, monkeypatch)
    assert code == 2 and err.startswith(start), err
    assert err.count("\n") == 1 and "Error" not in err and "╭" not in err
    assert err.rstrip().endswith("--help'")


def test_ctrl_c_says_how_to_resume(tmp_path: Path) -> None:
    """A real SIGINT in the middle of a run: one line naming the same command, exit 130."""
    script = (
        "import os, signal, sys, time\n"
        "import embedlab.verbs.run as verb\n"
        "def interrupted(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(30)\n"
        "verb.run = interrupted\n"
        "from embedlab.cli.app import main\n"
        "sys.argv = ['embedlab', *sys.argv[1:]]\n"
        "main()\n"
    )
    argv = ["run", "-m", "fake:16", "-t", "shapes", "--out", "my out"]
    result = subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert result.returncode == 128 + signal.SIGINT, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "interrupted" in lines[0] and "resume" in lines[0]
    assert lines[0].endswith("embedlab run -m fake:16 -t shapes --out 'my out'")
