"""Speed tables of multi-vector models, and the other speed views leaving the MaxSim case out."""

from __future__ import annotations

from typing import Any

from embedlab.report.late_speed import maxsim_table, tokens_table
from embedlab.report.speed import speed_table
from embedlab.results.schema import SpeedRow

MAXSIM = {"docs": 1000, "doc_tokens": 1030, "query_tokens": 20, "dim": 128,
          "flops_per_query": 2 * 20 * 1000 * 1030 * 128}  # fmt: skip


def row(
    metric: str, value: float, modality: str = "image", batch: int = 4, **extra: Any
) -> SpeedRow:
    unit = {"latency_p50": "ms", "latency_p99": "ms", "peak_rss": "MiB"}.get(metric, "items/s")
    return SpeedRow(model="hf:colpali", runtime="torch", precision="fp32", device="cpu",
                    batch_size=batch, modality=modality, metric=metric, value=value, unit=unit,
                    n=10, threads=2, timed_region="preprocess+model", **extra)  # fmt: skip


def rows() -> list[SpeedRow]:
    late = {"modality": "maxsim", "batch": 1000, "maxsim": MAXSIM, "tokens_per_item": 1030.0}
    return [
        row("throughput", 2.0, tokens_per_item=1030.0, unstable=False),
        row("latency_p50", 1900.0),
        row("throughput", 40.0, modality="text", tokens_per_item=25.0, unstable=False),
        row("throughput", 500.0, unstable=True, **late),
        row("throughput_mean", 510.0, **late),
        row("throughput_std", 12.0, **late),
        row("latency_p50", 1.9, **late),
        row("latency_p99", 2.5, **late),
    ]


def test_tokens_table_gives_tokens_per_second_and_bytes_per_item() -> None:
    table = tokens_table(rows())
    # 2 images/s × 1030 tokens = 2060 tokens/s; 1030 × 128 × 4 bytes = 527360 B per page
    assert "| hf:colpali | torch | fp32 | 2 | 4 | image | 1030 | 2.00 | 2060 | 527360 |" in table
    assert "| text | 25.0 | 40.0 | 1000 | 12800 |" in table
    assert "maxsim" not in table


def test_maxsim_table_gives_docs_per_second_and_gflops() -> None:
    table = maxsim_table(rows())
    # 500 docs/s = 0.5 queries/s × 2·20·1000·1030·128 FLOP = 2.64 GFLOP/s
    cells = "| 1000 x 1030 | 20 | 128 | 510 ± 12.0 (10 runs) | 1.90 | 2.50 | 2.64 | unstable |"
    assert cells in table


def test_empty_without_multi_vector_rows_and_kept_out_of_the_encode_table() -> None:
    dense = [row("throughput", 3.0)]
    assert tokens_table(dense) == "" and maxsim_table(dense) == ""
    table = speed_table(rows())
    assert "| 4 |" in table and "| 1000 |" not in table


def test_the_report_shows_a_late_interaction_table_and_keeps_maxsim_out_of_the_matrix() -> None:
    from pathlib import Path

    from embedlab.report.inputs import ReportRun
    from embedlab.report.late_speed_view import late_interaction_table
    from embedlab.report.speed_view import speed_matrix
    from embedlab.results.schema import RunLog

    log = RunLog(embedlab_version="0", status="complete", started_at="t", config={},
                 environment={}, speed=rows())  # fmt: skip
    run = ReportRun("r", Path("r"), log)
    speed = [(run, r) for r in log.speed]
    table = late_interaction_table(speed)
    assert table is not None and len(table.rows) == 1
    cells = [c.text for c in table.rows[0]]
    assert cells[4:] == ["2", "1030", "25.0", "1000 x 1030", "20", "128", "500", "1.90"]
    matrix = speed_matrix(speed)
    assert matrix is not None and [c.text for c in matrix.rows[0]][4] == "4"
    assert len(matrix.rows) == 1  # no line for the MaxSim case's batch of 1000 documents
    assert late_interaction_table([(run, row("throughput", 3.0))]) is None
