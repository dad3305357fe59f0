"""Run plumbing of late interaction: --muvera, --rerank, --candidates (refusals, key, label).

A test-only two-stage task records the TaskContext it receives, and a test-only late-interaction
model source (never loaded) stands in for ColPali, so the plumbing is checked apart from the real
models and the vidore task (end to end: tests/cli/test_run_late.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.config.run import RunConfig
from embedlab.core.values import MetricValue
from embedlab.errors import ConfigError
from embedlab.models.base import Encoder, ModelSpec, SourceDefaults
from embedlab.models.registry import MODEL_SOURCES
from embedlab.results.io import read_results
from embedlab.results.schema import DatasetInfo
from embedlab.tasks.base import TASKS, TaskContext, TaskDef, TaskParams, TaskResult
from embedlab.verbs.run import run


class _LateSource(SourceDefaults):
    """A late-interaction source that is never loaded (the stub task reads no tokens)."""

    handles_dim = True

    def fingerprint(self, spec: ModelSpec) -> str:
        return f"late/v1:{spec.ref}"

    def load(self, spec: ModelSpec) -> Encoder:
        raise AssertionError("the reranker is never loaded in these tests")

    def late_interaction(self, spec: ModelSpec) -> bool:
        return True


class _Params(TaskParams):
    muvera: bool = False


class _PlainParams(TaskParams):
    pass


@dataclass
class _Recorder:
    name: str
    seen: list[TaskContext]

    def run(self, ctx: TaskContext) -> TaskResult:
        self.seen.append(ctx)
        per_query = np.array([1.0, 0.0, 1.0])
        info = DatasetInfo(
            name="stub", split="test", source="test", fingerprint="f", n_images=0, n_captions=0
        )
        value = MetricValue("two-stage", "recall@1", 2 / 3, 3, 1, per_query)
        return TaskResult(info, [value])


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[TaskContext]]:
    """Register ``latefake:`` and the tasks ``two-stage-stub`` / ``plain-stub`` for one test."""
    contexts: list[TaskContext] = []
    TASKS.names()  # autoload the real tasks first
    monkeypatch.setitem(MODEL_SOURCES._factories, "latefake", _LateSource())
    for name, params, two_stage in (
        ("two-stage-stub", _Params, True),
        ("plain-stub", _PlainParams, False),
    ):
        definition = TaskDef(
            name, params, lambda n, p: _Recorder(n, contexts), "test", None, two_stage
        )
        monkeypatch.setitem(TASKS._factories, name, definition)
    yield contexts


def _config(tmp_path: Path, **over: Any) -> RunConfig:
    settings: dict[str, Any] = {
        "models": ["fake:16"],
        "tasks": ["two-stage-stub"],
        "out": tmp_path / "out",
        "cache_dir": tmp_path / "cache",
        "progress": False,
        "bootstrap": 20,
    }
    return RunConfig(**{**settings, **over})


def test_two_stage_context_label_key_and_resume(tmp_path: Path, seen: list[TaskContext]) -> None:
    log = run(_config(tmp_path, rerank="latefake:colpali", candidates=7))
    assert len(seen) == 1
    ctx = seen[0]
    assert ctx.rerank is not None and ctx.rerank.model == "latefake:colpali"
    assert ctx.candidates == 7 and ctx.embed.model == "fake:16"
    assert {row.model for row in log.metrics} == {"fake:16 → latefake:colpali@7"}
    assert [o.model for o in log.outcomes] == ["fake:16 → latefake:colpali@7"]
    note = next(n for n in log.notes if "two-stage" in n)
    assert "first stage fake:16 (weights fake/v1:16" in note
    assert "top 7 per query reranked by exact MaxSim of latefake:colpali (weights late/v1:" in note

    again = run(_config(tmp_path, rerank="latefake:colpali", candidates=7))
    assert len(seen) == 1, "the finished part is reused"
    assert again.metrics == log.metrics

    other = _config(tmp_path, rerank="latefake:colpali", candidates=8, out=tmp_path / "o2")
    run(other)
    assert len(seen) == 2 and seen[1].candidates == 8
    parts = {p.name for p in (tmp_path / "out" / ".embedlab" / "parts").glob("*.json")}
    parts2 = {p.name for p in (tmp_path / "o2" / ".embedlab" / "parts").glob("*.json")}
    assert parts.isdisjoint(parts2), "K enters the part key"
    assert all(name.startswith("fake_16_then_latefake_colpali__") for name in parts | parts2)


def test_one_stage_context_is_unchanged(tmp_path: Path, seen: list[TaskContext]) -> None:
    log = run(_config(tmp_path))
    assert seen[0].rerank is None and seen[0].candidates == 100
    assert {row.model for row in log.metrics} == {"fake:16"}
    assert read_results(tmp_path / "out" / "results.json").config["candidates"] is None


def test_muvera_fills_the_task_parameter(tmp_path: Path, seen: list[TaskContext]) -> None:
    from embedlab.verbs.run import _tasks

    config = _config(tmp_path, models=["latefake:colpali"], muvera=True)
    [(_, _, params)] = _tasks(config)
    assert params == _Params(muvera=True)
    [(_, _, params)] = _tasks(_config(tmp_path, models=["latefake:colpali"]))
    assert params == _Params(muvera=False)
    run(config)
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("over", "message"),
    [
        (
            {"tasks": ["plain-stub"], "muvera": True, "models": ["latefake:x"]},
            "--muvera: task plain-stub has no MUVERA stage (tasks with one: ",
        ),
        (
            {"muvera": True},
            "--muvera: model fake:16 is not recognised as a late-interaction (multi-vector) model",
        ),
        (
            {"tasks": ["plain-stub"], "rerank": "latefake:x"},
            "--rerank: task plain-stub has no two-stage form (tasks with one: ",
        ),
        (
            {"rerank": "fake:8"},
            "--rerank fake:8: the model is not recognised as a late-interaction (multi-vector)",
        ),
        ({"rerank": "nosuch:x"}, "unknown model source 'nosuch'"),
        (
            {"muvera": True, "rerank": "latefake:x", "models": ["latefake:y"]},
            "--muvera and --rerank cannot be combined",
        ),
    ],
)
def test_refused_before_any_work(
    tmp_path: Path, seen: list[TaskContext], over: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        run(_config(tmp_path, **over))
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert seen == [] and not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()


def test_tasks_that_support_each_flag_are_listed(tmp_path: Path, seen: list[TaskContext]) -> None:
    with pytest.raises(ConfigError) as caught:
        run(_config(tmp_path, tasks=["plain-stub"], rerank="latefake:x"))
    listed = str(caught.value).split("tasks with one: ")[1].split(")")[0].split(", ")
    assert "two-stage-stub" in listed and "plain-stub" not in listed
    assert set(listed) == {n for n in TASKS.names() if TASKS.get(n).two_stage}


def test_recreate_command_carries_the_late_flags(tmp_path: Path) -> None:
    """The index study's re-create command must name the same run (else --out refuses it)."""
    from embedlab.verbs.index_inputs import recreate_command

    two_stage = recreate_command(_config(tmp_path, rerank="latefake:x", candidates=7), tmp_path)
    assert "--rerank latefake:x --candidates 7" in two_stage and "--muvera" not in two_stage
    assert "--muvera" in recreate_command(_config(tmp_path, muvera=True), tmp_path)
    assert "--rerank" not in recreate_command(_config(tmp_path), tmp_path)


def test_late_model_refused_before_any_work_for_a_task_without_maxsim_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A multi-vector model with zeroshot, or on ONNX Runtime, is refused by the preflight."""
    from embedlab.models.base import ModelSpec
    from embedlab.tasks.base import TASKS
    from embedlab.verbs import late_plan

    monkeypatch.setattr(late_plan, "is_late", lambda spec: spec.ref == "late")
    late = ModelSpec("hf", "late")
    dense = ModelSpec("hf", "dense")
    zeroshot, shapes = TASKS.get("zeroshot"), TASKS.get("shapes")
    late_plan.check_late_models([shapes, zeroshot], [dense])  # dense: no refusal
    late_plan.check_late_models([shapes], [late])
    with pytest.raises(ConfigError, match=r"^task zeroshot has no form for the late-interaction"):
        late_plan.check_late_models([shapes, zeroshot], [dense, late])
    with pytest.raises(ConfigError, match="--runtime onnxruntime"):
        late_plan.check_late_models([shapes], [ModelSpec("hf", "late", runtime="onnxruntime")])
