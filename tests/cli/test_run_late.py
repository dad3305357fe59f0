"""``embedlab run`` with a late-interaction model, end to end: the tiny ColPali on ``docpages``.

The console entry point runs in this process (``main()`` with ``sys.argv``: the user's path,
error mapping included; a subprocess would import torch again for every run). The checkpoint
is the session's ``tiny_colpali_dir`` (tests/fixtures/tiny_models.py), loaded back from its
folder by every run; all runs share one cache, so the reranker's page tokens computed by the
first run are reused by the two-stage run.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path

import pytest

from embedlab.cli.app import main


@pytest.fixture(scope="module")
def late_setup(tmp_path_factory: pytest.TempPathFactory, tiny_colpali_dir: Path) -> Path:
    """A folder with ``colpali`` (the session's tiny checkpoint) and ``pages/`` (6 pages)."""
    from embedlab.data.docpages import generate_docpages

    root = tmp_path_factory.mktemp("late")
    (root / "colpali").symlink_to(tiny_colpali_dir, target_is_directory=True)
    generate_docpages(root / "pages", n_pages=6, seed=0, split="test")
    return root


def _embedlab(
    root: Path,
    out: str,
    *args: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    """``embedlab run --task vidore --data-dir pages ... ARGS`` in this process."""
    argv = ["embedlab", "run", "--task", "vidore", "--data-dir", str(root / "pages"),
            "--out", str(root / out), "--cache-dir", str(root / "cache"), "--no-progress",
            "--bootstrap", "50", *args]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # main() sets it
    with pytest.raises(SystemExit) as exit_:
        main()
    captured = capsys.readouterr()
    code = exit_.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def _rows(root: Path, out: str) -> list[dict[str, object]]:
    log = json.loads((root / out / "results.json").read_text(encoding="utf-8"))
    assert log["status"] == "complete"
    rows: list[dict[str, object]] = log["metrics"]
    assert rows and all(math.isfinite(float(str(r["value"]))) for r in rows)
    return rows


def test_colpali_with_muvera_runs_and_resumes(
    late_setup: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = f"hf:{late_setup / 'colpali'}"
    code, out, err = _embedlab(
        late_setup, "muvera", "--model", model, "--muvera",
        monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert f"running vidore with {model}" in err
    rows = _rows(late_setup, "muvera")
    assert {r["model"] for r in rows} == {model}
    assert {r["protocol"] for r in rows} == {"exact", "muvera"}
    names = {(r["protocol"], r["metric"], r["k"]) for r in rows}
    assert {("exact", "ndcg", 5), ("muvera", "ndcg", 5), ("muvera", "recovered@10", 10)} <= names
    assert f"| {model} | vidore | muvera |" in out
    first = (late_setup / "muvera" / "results.json").read_text(encoding="utf-8")

    code, _, err = _embedlab(
        late_setup, "muvera", "--model", model, "--muvera",
        monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    assert f"reusing finished vidore with {model}" in err and "running" not in err
    assert json.loads(first)["metrics"] == _rows(late_setup, "muvera")


def test_two_stage_builtin_then_colpali(
    late_setup: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reranker = f"hf:{late_setup / 'colpali'}"
    args = ("--model", "builtin:shapes-clip", "--rerank", reranker, "--candidates", "5")
    code, out, err = _embedlab(
        late_setup, "two-stage", *args, monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0, err
    label = f"builtin:shapes-clip → {reranker}@5"
    assert f"running vidore with {label}" in err
    rows = _rows(late_setup, "two-stage")
    assert {r["model"] for r in rows} == {label}
    assert {r["protocol"] for r in rows} == {"first-stage", "reranker", "two-stage"}
    assert f"| {label} | vidore | two-stage |" in out
    log = json.loads((late_setup / "two-stage" / "results.json").read_text(encoding="utf-8"))
    assert log["config"]["rerank"] == reranker and log["config"]["candidates"] == 5
    note = next(n for n in log["notes"] if "first stage builtin:shapes-clip" in n)
    assert f"reranked by exact MaxSim of {reranker} (weights hf/v1:" in note
    assert {t["model"] for t in log["timings"]} == {"builtin:shapes-clip", reranker}

    code, _, err = _embedlab(late_setup, "two-stage", *args, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, err
    assert f"reusing finished vidore with {label}" in err and "running" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--model", "builtin:shapes-clip", "--candidates", "5"],
            "--candidates: needs --rerank MODEL",
        ),
        (
            ["--model", "builtin:shapes-clip", "--rerank", "builtin:shapes-clip"],
            "--rerank builtin:shapes-clip: the model is not recognised as a late-interaction",
        ),
        (
            ["--model", "builtin:shapes-clip", "--rerank", "COLPALI", "--task", "shapes"],
            "--rerank: task shapes has no two-stage form (tasks with one: docpages, vidore)",
        ),
        (
            ["--model", "builtin:shapes-clip", "--muvera"],
            "--muvera: model builtin:shapes-clip is not recognised as a late-interaction",
        ),
        (
            ["--model", "COLPALI", "--muvera", "--task", "shapes"],
            "--muvera: task shapes has no MUVERA stage (tasks with one: docpages, vidore)",
        ),
        (
            ["--model", "COLPALI", "--muvera", "--rerank", "COLPALI"],
            "--muvera and --rerank cannot be combined",
        ),
        (
            ["--model", "builtin:shapes-clip", "--rerank", "COLPALI", "--candidates", "0"],
            "--candidates must be at least 1",
        ),
    ],
)
def test_refusals_are_one_line_before_any_work(
    late_setup: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    colpali = f"hf:{late_setup / 'colpali'}"
    args = [colpali if a == "COLPALI" else a for a in args]
    code, _, err = _embedlab(late_setup, "refused", *args, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert message in lines[0]
    assert not (late_setup / "refused").exists()
