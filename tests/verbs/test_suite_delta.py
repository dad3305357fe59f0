"""The cross-runtime quality delta: each row minus its torch fp32 row, by hand."""

from __future__ import annotations

from pathlib import Path

from embedlab.results.schema import MetricRow
from embedlab.verbs.suite_delta import quality_deltas, write_deltas


def _row(runtime: str, precision: str, value: float, model: str = "m", metric: str = "recall@1",
         protocol: str = "t2i") -> MetricRow:  # fmt: skip
    return MetricRow(model=model, runtime=runtime, precision=precision, task="shapes",
                     dataset="shapes", protocol=protocol, metric=metric, k=1, value=value,
                     n=10)  # fmt: skip


def test_each_row_is_compared_with_its_own_baseline(tmp_path: Path) -> None:
    rows = [
        _row("torch", "fp32", 0.50), _row("onnxruntime", "int8", 0.45),
        _row("openvino", "bf16", 0.52), _row("torch", "fp32", 0.30, protocol="i2t"),
        _row("onnxruntime", "int8", 0.31, protocol="i2t"), _row("openvino", "fp32", 0.9, model="x"),
    ]  # fmt: skip
    deltas, orphans = quality_deltas(rows)
    assert orphans == 1  # model x has no torch fp32 row
    got = {(d.row.runtime, d.row.protocol): round(d.delta, 10) for d in deltas}
    assert got == {("onnxruntime", "t2i"): -0.05, ("openvino", "t2i"): 0.02,
                   ("onnxruntime", "i2t"): 0.01}  # fmt: skip
    lines = write_deltas(tmp_path, deltas).read_text().splitlines()
    assert lines[0] == "model,task,protocol,metric,runtime,precision,value,baseline,delta"
    assert lines[1] == "m,shapes,t2i,recall@1,onnxruntime,int8,0.45,0.5,-0.05"
