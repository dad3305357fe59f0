"""Index study tables and Pareto plots."""

from __future__ import annotations

from pathlib import Path

from embedlab.report.index_deploy import human
from embedlab.report.index_plots import frontier, write_index_plots
from embedlab.report.index_tables import render_index
from embedlab.results.schema import RunLog


def test_frontier_by_hand() -> None:
    # (quality, goodness): (0.9, 1) and (0.5, 5) trade off; (0.4, 2) is dominated by both
    assert frontier([(0.9, 1.0), (0.5, 5.0), (0.4, 2.0), (0.9, 1.0)]) == [True, True, False, True]


def test_terminal_tables_show_every_configuration(finished_study: tuple[Path, RunLog]) -> None:
    _, log = finished_study
    text = render_index(log)
    assert "builtin:shapes-clip · shapes · t2i (the run's data)" in text
    header = next(line for line in text.splitlines() if line.startswith("| index | dim | recall@1"))
    assert "recall_vs_exact@10" in header and "speed verdict" in header
    assert "| exact | 64 |" in text and "| sq8 | 64 |" in text
    assert "ndcg@10" in text and "note: shapes: mrr needs every item's rank" in text


def test_pareto_plots_are_pngs(finished_study: tuple[Path, RunLog], tmp_path: Path) -> None:
    _, log = finished_study
    paths = write_index_plots(log.index, tmp_path)
    assert len(paths) == 5  # shapes: 4 protocols, beir-synthetic: q2d
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


def test_human_units() -> None:
    assert human(3.2e9, "B") == "3.20 GB" and human(5400, "s") == "1.50 h"
    assert human(12, "s") == "12 s" and human(0.031, "x") == "0.031x"
