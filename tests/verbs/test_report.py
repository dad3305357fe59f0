"""``write_report`` on real runs of the fake model on generated shapes data."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.config.run import RunConfig
from embedlab.errors import ConfigError
from embedlab.verbs.report import ReportOptions, write_report
from embedlab.verbs.run import run
from tests.report._parse import parse_html, parse_markdown
from tests.report.test_html_report import _expected_text, _lookup, _number_cells


def _run(tmp: Path, data: Path, model: str, name: str) -> Path:
    config = RunConfig(
        models=[model],
        tasks=["shapes", "shapes-pairs"],
        out=tmp / name,
        data_dir=data,
        cache_dir=tmp / "cache",
        progress=False,
        bootstrap=100,
        batch_size=8,
    )
    run(config)
    return tmp / name


def test_report_of_fake_model_runs(tmp_path: Path, shapes_dir: Path) -> None:
    runs = [
        _run(tmp_path, shapes_dir, "fake:16", "f16"),
        _run(tmp_path, shapes_dir, "fake:8", "f8"),
    ]
    html, md = write_report(runs, tmp_path / "out", ReportOptions(resamples=100))
    cells = _number_cells(parse_html(html).cells)
    markdown = parse_markdown(md)
    assert {c.row_label for c in cells if c.table == "Headline"} == {"fake:16", "fake:8"}
    for cell in cells:
        row = _lookup(runs, cell.attrs["data-ref"])
        assert float(cell.attrs["data-value"]) == row["value"]
        assert cell.value_text == _expected_text(row, cell.attrs["data-ref"])
        assert markdown[(cell.table, cell.row_index, cell.header)].startswith(cell.value_text)
    letters = [c for c in cells if c.table == "Headline" and "data-letters" in c.attrs]
    assert len(letters) == 2 * 12  # every headline quality cell of both systems was compared


def test_bad_budget_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--p99-ms must be a positive"):
        write_report([tmp_path], tmp_path / "out", ReportOptions(p99_ms=0))
