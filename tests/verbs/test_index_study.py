"""``embedlab index`` on a real finished run: exactness, ANN rows, errors, the published set."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ConfigError, ResultsError
from embedlab.indexes import memory
from embedlab.results.io import read_results
from embedlab.results.schema import RunLog
from embedlab.verbs.index_study import index_study
from tests.fixtures.index_runs import FinishedRun, study_config


def test_exact_configuration_reproduces_the_runs_metrics_exactly(
    finished_run: FinishedRun, finished_study: tuple[Path, RunLog]
) -> None:
    """Every metric row of the run (value, CI, n) equals the study's ``exact`` row, bit for bit."""
    _, log = finished_study
    exact = {
        (r.task, r.protocol, r.metric, r.k): r
        for r in log.index
        if r.index == "exact"
        and r.unit in ("fraction", "rank")
        and not r.metric.startswith("recall_vs")
    }
    assert len(finished_run.log.metrics) == 23  # shapes: 4 protocols x 5, beir: 3
    for row in finished_run.log.metrics:
        got = exact[(row.task, row.protocol, row.metric, row.k)]
        assert (got.value, got.n, got.ci_low, got.ci_high) == (
            row.value,
            row.n,
            row.ci_low,
            row.ci_high,
        )


def test_ann_rows_have_recall_against_exact_and_costs(
    finished_study: tuple[Path, RunLog],
) -> None:
    _, log = finished_study
    rows = [r for r in log.index if r.scale_n is None]
    labels = {r.index for r in rows}
    assert {"exact", "flat", "sq8"} <= labels and any(x.startswith("hnsw") for x in labels)
    for label in labels:
        mine = {
            r.metric: r
            for r in rows
            if r.index == label and r.task == "shapes" and r.protocol == "t2i"
        }
        assert 0.0 <= mine["recall_vs_exact@10"].value <= 1.0
        assert mine["index_bytes"].value > 0 and mine["latency_p99"].value > 0
        assert mine["latency_p99"].unstable is not None
        if label != "exact":  # top-k lists: no MRR / median rank, recall@K with a test
            assert "mrr" not in mine and "median_rank" not in mine
            assert mine["recall@1"].p_value is not None and mine["recall@1"].delta is not None
    flat = [r for r in rows if r.index == "flat" and r.metric == "recall_vs_exact@10"]
    assert flat and all(r.value == 1.0 for r in flat)
    everything = [
        r for r in rows if "float R=1000" in r.index and r.metric == "recall_vs_exact@10"
    ]  # R * k >= N candidates rescored with the float vectors: exact search
    assert len(everything) == 5 and all(r.value == 1.0 for r in everything)


def test_bytes_per_vector_of_the_exact_float_index_is_four_bytes_a_dimension(
    finished_study: tuple[Path, RunLog],
) -> None:
    _, log = finished_study
    bpv = [r for r in log.index if r.index == "flat" and r.metric == "bytes_per_vector"]
    assert bpv and all(abs(r.value - 4 * r.dim) < 0.05 * 4 * r.dim for r in bpv)


def test_published_set_has_index_csv_and_results(finished_study: tuple[Path, RunLog]) -> None:
    out, log = finished_study
    assert read_results(out / "results.json") == log
    lines = (out / "index.csv").read_text().splitlines()
    assert len(lines) == len(log.index) + 1 and lines[0].startswith("model,task,protocol,index")
    assert any("not computable through an index" in n for n in log.notes)


def test_matryoshka_dim_combines_with_configurations(
    finished_run: FinishedRun, tmp_path: Path
) -> None:
    log = index_study(study_config(finished_run, tmp_path / "o", indexes=["sq8"], dims=[16]))
    dims = {(r.index, r.dim) for r in log.index if r.metric == "recall_vs_exact@10"}
    assert {("exact", 64), ("exact dim=16", 16), ("sq8", 64), ("sq8 dim=16", 16)} <= dims
    # the truncated exact search is judged against the full-dimension exact baseline
    r1 = [r for r in log.index if r.index == "exact dim=16" and r.metric == "recall@1"]
    assert r1 and all(r.p_value is not None for r in r1)


def test_missing_cache_names_the_run_and_the_command_and_writes_nothing(
    finished_run: FinishedRun, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-cache"
    empty.mkdir()
    out = tmp_path / "o"
    with pytest.raises(ResultsError) as info:
        index_study(study_config(finished_run, out, cache_dir=empty))
    message = str(info.value)
    assert "\n" not in message and str(finished_run.folder) in message
    assert "embedlab run --model builtin:shapes-clip --task shapes --task beir-synthetic" in message
    assert f"--cache-dir {empty}" in message
    assert not out.exists() and not (empty / "embeddings").exists()  # no cache entry made


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"indexes": ["hsnw"]}, "unknown index backend 'hsnw'"),
        ({"dims": [0]}, "--dim 0"),
        ({"dims": [65]}, "--dim 65"),
        ({"ks": [0]}, "--k 0"),
    ],
)
def test_bad_settings_fail_before_any_work(
    finished_run: FinishedRun, tmp_path: Path, over: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        index_study(study_config(finished_run, tmp_path / "o", **over))
    assert not (tmp_path / "o").exists()


def test_refuses_a_configuration_that_does_not_fit_in_memory(
    finished_run: FinishedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    with pytest.raises(ConfigError) as info:
        index_study(study_config(finished_run, tmp_path / "o", indexes=["flat"]))
    assert "needs about" in str(info.value) and "1000" not in str(info.value).split("needs")[0]
    assert "only 0.0 MB is available" in str(info.value)
    assert not (tmp_path / "o").exists()


def test_out_may_not_be_the_run_folder(finished_run: FinishedRun) -> None:
    with pytest.raises(ConfigError, match="is the run folder itself"):
        index_study(study_config(finished_run, finished_run.folder))


def test_scaling_rows_and_fits(finished_run: FinishedRun, tmp_path: Path) -> None:
    log = index_study(
        study_config(finished_run, tmp_path / "o", indexes=["flat"], scales=[500, 1000, 2000])
    )
    sizes = {r.scale_n for r in log.index if r.scale_n is not None}
    assert sizes == {500, 1000, 2000}
    fits = [r for r in log.index if r.source == "fit"]
    assert {r.metric for r in fits} == {"build_time_fit_exponent", "latency_p99_fit_exponent"}
    for fit in fits:
        assert fit.details is not None and len(fit.details["points"]) == 3
        assert np.isfinite(fit.details["r2"]) and "log" in fit.details["form"]


def test_a_run_without_retrieval_tasks_is_refused(
    finished_run: FinishedRun, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    shutil.copytree(finished_run.folder, copy)
    text = (copy / "results.json").read_text().replace('"tasks": [', '"tasks_": [', 1)
    (copy / "results.json").write_text(text)
    with pytest.raises(ConfigError, match="holds no tasks"):
        index_study(
            study_config(FinishedRun(copy, finished_run.cache, finished_run.log), tmp_path / "o")
        )


def test_reads_a_run_that_also_measured_speed(finished_run: FinishedRun, tmp_path: Path) -> None:
    """The default suite writes run + speed into one folder; its config then carries the speed
    settings under ``speed`` (verbs.speed.carry_speed), which is not a run setting."""
    from embedlab.results.io import write_runlog
    from embedlab.verbs.index_inputs import load_run_config

    folder = tmp_path / "run-with-speed"
    shutil.copytree(finished_run.folder, folder)
    log = read_results(folder / "results.json")
    speed_settings = {"models": ["builtin:shapes-clip"], "runtimes": ["torch"], "repeats": 3}
    write_runlog(folder, log.model_copy(update={"config": {**log.config, "speed": speed_settings}}))
    config = load_run_config(folder)
    assert config.models == ["builtin:shapes-clip"] and "beir-synthetic" in config.tasks
