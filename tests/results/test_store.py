"""The run store: every results.json under a folder as DuckDB tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.errors import ConfigError, ResultsError
from embedlab.results.io import read_results
from embedlab.results.store import RunStore, find_runs, flatten
from tests.report._runs import correlated_hits, make_run


def _runs(tmp: Path) -> Path:
    hits = correlated_hits([0.6, 0.4], 100, seed=0)
    pairs = correlated_hits([0.5, 0.3], 60, seed=0)
    make_run(tmp / "root" / "team" / "a", {"m1": (hits[0], pairs[0], (10.0, 20.0))})
    make_run(
        tmp / "root" / "b", {"m2": (hits[1], pairs[1], (30.0, 40.0))}, fingerprint="content:other"
    )
    return tmp / "root"


def test_tables_hold_every_row(tmp_path: Path) -> None:
    root = _runs(tmp_path)
    runs = find_runs(root)
    assert [r.name for r in runs] == ["b", "team/a"]
    store = RunStore(runs)
    total = sum(len(read_results(r.path).metrics) for r in runs)
    assert store.query("select count(*) from metrics").rows == [(total,)]
    got = store.query(
        "select run, model, value, fingerprint from metrics where task = 'shapes' "
        "and protocol = 't2i' and metric = 'recall@1' order by run"
    ).rows
    expected = []
    for run in runs:
        log = read_results(run.path)
        row = next(
            r
            for r in log.metrics
            if (r.task, r.protocol, r.metric) == ("shapes", "t2i", "recall@1")
        )
        fp = next(d.fingerprint for d in log.datasets if d.name == "shapes")
        expected.append((run.name, row.model, row.value, fp))
    assert got == expected
    speed = store.query(
        "select sum(value) from speed where metric = 'throughput' "
        "and batch_size = 32 and modality = 'image'"
    ).rows
    assert speed == [(40.0,)]
    env = store.query("select value from environment where run = 'b' and key = 'packages.numpy'")
    assert env.rows == [("2",)]
    assert store.query("select count(*) from datasets").rows == [(4,)]
    assert store.query("select status from runs order by run").rows == [("complete",)] * 2


def test_bad_sql_is_one_config_error(tmp_path: Path) -> None:
    store = RunStore(find_runs(_runs(tmp_path)))
    with pytest.raises(ConfigError, match=r"--sql failed: .*nope.*tables: runs, metrics"):
        store.query("select nope from metrics")


def test_folder_without_results_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match=r"empty holds no results.json"):
        find_runs(tmp_path / "empty")
    with pytest.raises(ResultsError, match="does not exist"):
        find_runs(tmp_path / "missing")


def test_flatten() -> None:
    assert list(flatten({"a": {"b": 1, "c": [1, 2]}, "d": None})) == [
        ("a.b", "1"),
        ("a.c", "1, 2"),
        ("d", ""),
    ]
