"""Markdown tables of speed rows."""

from __future__ import annotations

from embedlab.report.speed import cold_start_table, format_number, speed_table, split_table
from embedlab.results.schema import SpeedRow


def _row(metric: str, value: float, modality: str = "image", batch: int = 1,
         region: str = "preprocess+model", unit: str = "ms") -> SpeedRow:  # fmt: skip
    return SpeedRow(model="m", runtime="torch", precision="fp32", device="cpu", batch_size=batch,
                    modality=modality, metric=metric, value=value, unit=unit, n=10,
                    timed_region=region)  # fmt: skip


def test_numbers_keep_three_significant_digits_or_so() -> None:
    assert [format_number(v) for v in (1234.4, 56.78, 3.456, None)] == ["1234", "56.8", "3.46", "–"]


def test_speed_table_has_a_line_per_batch_with_both_modalities() -> None:
    rows = [
        _row("throughput", 80.0, unit="items/s"), _row("latency_p50", 12.0),
        _row("latency_p99", 15.0), _row("latency_p50", 9.0, region="model"),
        _row("latency_p50", 3.0, region="preprocess"), _row("peak_rss", 900.0, unit="MiB"),
        _row("throughput", 2000.0, "text", unit="items/s"), _row("latency_p50", 0.5, "text"),
        _row("throughput", 150.0, batch=32, unit="items/s"),
        _row("cold_start", 4.2, "all", region="load", unit="s"),
        _row("cold_start", 0.3, "image", region="first_call", unit="s"),
        _row("parity_cosine_min", 0.9999871, "text", region="output", unit="cosine"),
    ]  # fmt: skip
    table = speed_table(rows)
    assert "| m | torch | fp32 | – | 1 | 80.0 | 12.0 | 15.0 | 2000 | 0.50 | – | 900 | – |" in table
    assert "| m | torch | fp32 | – | 32 | 150 | – | – | – | – | – | – | – |" in table
    split = split_table(rows)
    assert "| m | torch | fp32 | – | 1 | image | 3.00 | 9.00 | 25% |" in split
    assert "| m | torch | fp32 | – | 4.20 | 0.30 | – | – | 0.999987 |" in cold_start_table(rows)


def test_tables_without_split_or_cold_rows_are_empty() -> None:
    rows = [_row("throughput", 80.0, unit="items/s")]
    assert split_table(rows) == "" and cold_start_table(rows) == ""
