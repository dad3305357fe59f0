"""Speed rows in the run store: typed columns (verdict, tokens per item), dicts as JSON text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.results.io import write_runlog
from embedlab.results.schema import RunLog, SpeedRow
from embedlab.results.store import RunStore, find_runs
from embedlab.verbs.leaderboard import SPEED_SQL

pytest.importorskip("duckdb")


def _row(modality: str, value: float, batch: int, **extra: object) -> SpeedRow:
    return SpeedRow(model="hf:colpali", runtime="torch", precision="fp32", device="cpu",
                    batch_size=batch, modality=modality, metric="throughput", value=value,
                    unit="items/s", n=3, threads=2, unstable=False,
                    machine={"other_cores": 0.1}, **extra)  # fmt: skip


def test_multi_vector_speed_rows_are_queryable(tmp_path: Path) -> None:
    rows = [
        _row("image", 2.0, 4, tokens_per_item=1030.0),
        _row("text", 40.0, 4, tokens_per_item=25.5),
        _row("maxsim", 500.0, 1000, tokens_per_item=1030.0, maxsim={"docs": 1000, "dim": 128}),
    ]
    log = RunLog(embedlab_version="0", status="complete", started_at="t", config={},
                 environment={}, speed=rows)  # fmt: skip
    write_runlog(tmp_path / "run", log)
    store = RunStore(find_runs(tmp_path))
    got = store.query(
        "select modality, tokens_per_item, unstable, maxsim from speed order by position"
    ).rows
    assert [(m, t, u) for m, t, u, _ in got] == [
        ("image", 1030.0, False), ("text", 25.5, False), ("maxsim", 1030.0, False),
    ]  # fmt: skip
    assert got[0][3] is None and json.loads(got[2][3]) == {"dim": 128, "docs": 1000}
    # the leaderboard's speed pivot is of encode calls: the MaxSim case is not a batch line
    pivot = store.query(SPEED_SQL).rows
    assert [(r[4], r[5], r[6]) for r in pivot] == [(4, 2.0, 40.0)]
