"""Task parameters: declared per task, filled from flags and -T, hashed into the part key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from embedlab.config.run import RunConfig
from embedlab.core.values import MetricValue
from embedlab.errors import ConfigError
from embedlab.results.schema import DatasetInfo
from embedlab.tasks.base import TASKS, TaskContext, TaskParams, TaskResult, register_task
from embedlab.tasks.params import check_overrides, fill_params
from embedlab.tasks.retrieval import RetrievalParams
from embedlab.verbs.run import run


class DemoParams(TaskParams):
    """A task parameter added in one file: nothing else knows ``flavour``."""

    flavour: str = "plain"
    sizes: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class DemoTask:
    name: str
    params: DemoParams

    def run(self, ctx: TaskContext) -> TaskResult:
        RUNS.append(self.params)
        vectors = ctx.embed.texts("demo", ["a", "b"], ["a", "b"])
        value = float(vectors[0] @ vectors[1])
        metric = MetricValue(self.params.flavour, "similarity", value, 1)
        info = DatasetInfo(name="demo", split="test", source="inline", fingerprint="f",
                           n_images=0, n_captions=2)  # fmt: skip
        return TaskResult(dataset=info, metrics=[metric])


RUNS: list[DemoParams] = []
if "param-demo" not in TASKS:
    register_task("param-demo", DemoParams, "a test task")(DemoTask)


def _config(tmp_path: Path, **over: Any) -> RunConfig:
    base: dict[str, Any] = {
        "models": ["fake:8"],
        "tasks": ["param-demo"],
        "out": tmp_path / "o",
        "cache_dir": tmp_path / "c",
        "progress": False,
        "bootstrap": 0,
    }
    return RunConfig(**{**base, **over})


def test_a_new_parameter_reaches_the_task_and_is_never_stale(tmp_path: Path) -> None:
    RUNS.clear()
    run(_config(tmp_path))
    run(_config(tmp_path))  # same parameters: the finished part is reused
    assert [p.flavour for p in RUNS] == ["plain"]
    changed = {"flavour": "spicy", "sizes": "2, 3"}
    log = run(_config(tmp_path, task_params=changed, overwrite=True))
    assert [(p.flavour, p.sizes) for p in RUNS] == [("plain", (1,)), ("spicy", (2, 3))]
    assert log.metrics[0].protocol == "spicy"


def test_flags_fill_the_fields_a_task_declares() -> None:
    definition = TASKS.get("shapes")
    flags = {"data_dir": Path("d"), "split": "val", "classnames": Path("c.json"), "protocols": ()}
    params = fill_params(definition, flags, {"protocols": "t2i,i2t"})
    assert params == RetrievalParams(data_dir=Path("d"), split="val", protocols=("t2i", "i2t"))
    zeroshot = fill_params(TASKS.get("zeroshot"), flags, {})
    assert zeroshot.classnames == Path("c.json")  # type: ignore[attr-defined]


def test_unknown_or_invalid_parameters_name_the_flag() -> None:
    with pytest.raises(ConfigError, match=r"-T flavor: no task of this run \(shapes\).*split"):
        check_overrides([TASKS.get("shapes")], {"flavor": "x"})
    with pytest.raises(ConfigError, match=r"task param-demo: -T sizes"):
        fill_params(TASKS.get("param-demo"), {}, {"sizes": "one"})
    with pytest.raises(ConfigError, match=r"task shapes: --split"):
        fill_params(TASKS.get("shapes"), {"split": 3.5}, {})


def test_the_cli_passes_task_params(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from embedlab.cli.app import app

    RUNS.clear()
    args = ["run", "--model", "fake:8", "--task", "param-demo", "--out", str(tmp_path / "o"),
            "--cache-dir", str(tmp_path / "c"), "--no-progress", "-T", "flavour=salty"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert RUNS[-1].flavour == "salty"
    bad = CliRunner().invoke(app, [*args[:-1], "flavour"])
    assert isinstance(bad.exception, ConfigError) and "NAME=VALUE" in str(bad.exception)
