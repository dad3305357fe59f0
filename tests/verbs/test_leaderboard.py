"""``leaderboard``: pivots over every run under a folder; runs on other data never share a
column."""

from __future__ import annotations

from pathlib import Path

from embedlab.results.io import read_results
from embedlab.verbs.leaderboard import leaderboard, markdown, query
from tests.report._runs import correlated_hits, make_run


def test_pivot_separates_data_and_equals_results(tmp_path: Path) -> None:
    hits = correlated_hits([0.6, 0.4, 0.5], 100, seed=0)
    pairs = correlated_hits([0.5, 0.3, 0.4], 60, seed=0)
    make_run(tmp_path / "a", {"m1": (hits[0], pairs[0], (10.0, 20.0))})
    make_run(tmp_path / "b", {"m2": (hits[1], pairs[1], (30.0, 40.0))})
    make_run(tmp_path / "c", {"m3": (hits[2], pairs[2], (50.0, 60.0))}, fingerprint="content:other")
    (tmp_path / "d" / ".embedlab").mkdir(parents=True)  # an unfinished run
    board = leaderboard(tmp_path)
    assert board.unfinished == [tmp_path / "d"]
    shapes = [t for t in board.tables if t.title.startswith("shapes —")]
    assert len(shapes) == 2  # content:fp-shapes (a, b) and content:other (c)
    by_models = {tuple(r[1] for r in t.rows): t for t in shapes}
    assert set(by_models) == {("m1", "m2"), ("m3",)}
    table = by_models[("m1", "m2")]
    column = table.columns.index("t2i recall@1")
    for row in table.rows:
        log = read_results(tmp_path / row[0])
        stored = next(
            r.value
            for r in log.metrics
            if (r.task, r.protocol, r.metric) == ("shapes", "t2i", "recall@1")
        )
        assert row[column] == stored
    speed = next(t for t in board.tables if t.title.startswith("speed"))
    assert [r[5] for r in speed.rows if r[4] == 32] == [10.0, 30.0, 50.0]
    assert "| a | m1 | torch | fp32 |" in markdown(table.columns, table.rows, table.title)


def test_query(tmp_path: Path) -> None:
    hits = correlated_hits([0.6], 100, seed=0)
    pairs = correlated_hits([0.5], 60, seed=0)
    make_run(tmp_path / "a", {"m1": (hits[0], pairs[0], (10.0, 20.0))})
    result = query(
        tmp_path,
        "select model, value from metrics where task='shapes' and "
        "protocol='t2i' and metric='recall@1'",
    )
    assert result.columns == ["model", "value"]
    assert result.rows == [("m1", float(hits[0].mean()))]
