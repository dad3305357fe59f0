"""This machine's arch: throughputs: only arch whole-call rows, newest per key, nearest batch."""

from __future__ import annotations

from pathlib import Path

from embedlab.results.schema import SpeedRow
from embedlab.verbs.speed_records import SpeedRecord, best_record, read_records, record_rows


def _row(model: str, value: float, batch: int = 32, region: str = "preprocess+model",
         metric: str = "throughput") -> SpeedRow:  # fmt: skip
    return SpeedRow(model=model, runtime="torch", precision="fp32", device="cpu",
                    batch_size=batch, modality="image", threads=2, metric=metric, value=value,
                    unit="items/s", timed_region=region, n=10)  # fmt: skip


def test_only_arch_whole_call_throughputs_are_kept_and_replaced(tmp_path: Path) -> None:
    rows = [
        _row("arch:a/b", 5.0), _row("hf:a/b", 9.0), _row("arch:a/b", 7.0, region="model"),
        _row("arch:a/b", 3.0, metric="latency_p50"), _row("arch:a/b", 4.0, batch=1),
    ]  # fmt: skip
    assert record_rows(tmp_path, rows) == 2
    assert record_rows(tmp_path, [_row("arch:a/b", 6.0)]) == 1
    records = read_records(tmp_path)
    assert sorted((r.batch_size, r.throughput) for r in records) == [(1, 4.0), (32, 6.0)]
    unstable = _row("arch:a/b", 60.0).model_copy(
        update={"unstable": True, "unstable_reason": "another process used 0.9 cores"}
    )
    assert record_rows(tmp_path, [unstable]) == 0  # a flagged figure estimates nothing
    assert sorted(r.throughput for r in read_records(tmp_path)) == [4.0, 6.0]
    (tmp_path / "speed-records.jsonl").write_text("not json\n", encoding="utf-8")
    assert read_records(tmp_path) == []


def test_best_record_is_this_machines_nearest_batch(tmp_path: Path) -> None:
    record_rows(tmp_path, [_row("arch:a/b", 5.0, batch=32), _row("arch:a/b", 2.0, batch=1)])
    records = read_records(tmp_path)
    found = best_record(records, "arch:a/b", "torch", "fp32", 24, "image")
    assert found is not None and found.batch_size == 32
    assert best_record(records, "arch:a/b", "torch", "bf16", 16, "image") is None
    elsewhere = SpeedRecord("another cpu x64", "arch:a/b", "torch", "fp32", "cpu", 16, "image",
                            64, 99.0, "2030-01-01")  # fmt: skip
    found = best_record([*records, elsewhere], "arch:a/b", "torch", "fp32", 24, "image")
    assert found is not None and found.throughput == 5.0
