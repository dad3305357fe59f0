"""report.html / report.md: every number equals results.json; letters equal compare's output;
the guide's choices follow the measurements; runs on other data stay in separate tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedlab.report.comparison_tables import SUPERSCRIPTS
from embedlab.verbs.compare import compare
from embedlab.verbs.report import ReportOptions, write_report
from tests.report._parse import HtmlCell, parse_html, parse_markdown
from tests.report._runs import correlated_hits, make_run, three_runs

RESAMPLES = 300


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    tmp = tmp_path_factory.mktemp("report")
    runs = three_runs(tmp)
    options = ReportOptions(resamples=RESAMPLES, p99_ms=5.0, min_throughput=100.0)
    paths = write_report(runs, tmp / "out", options)
    assert [p.name for p in paths] == ["report.html", "report.md"]
    return runs, tmp / "out"


def _json(run: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run / "results.json").read_text())
    return data


def _metric_name(row: dict[str, Any]) -> str:
    k, metric = row["k"], row["metric"]
    return metric if k is None or "@" in metric else f"{metric}@{k}"


def _lookup(runs: list[Path], ref: str) -> dict[str, Any]:
    if ref.startswith("fact|"):  # params / embedding dim from environment.models
        _, run_name, model, name = ref.split("|")
        facts = _json(next(r for r in runs if r.name == run_name))["environment"]["models"]
        return {"value": facts[model][name], "metric": name}
    kind, run_name, model, runtime, precision, *rest = ref.split("|")
    data = _json(next(r for r in runs if r.name == run_name))
    if kind == "metric":
        task, protocol, metric = rest
        rows = [
            r
            for r in data["metrics"]
            if (r["model"], r["runtime"], r["precision"], r["task"], r["protocol"], _metric_name(r))
            == (model, runtime, precision, task, protocol, metric)
        ]
    else:
        batch, modality, metric = rest
        rows = [
            r
            for r in data["speed"]
            if (
                r["model"],
                r["runtime"],
                r["precision"],
                str(r["batch_size"]),
                r["modality"],
                r["metric"],
            )
            == (model, runtime, precision, batch, modality, metric)
        ]
    assert len(rows) == 1, ref
    return rows[0]


def _expected_text(row: dict[str, Any], ref: str) -> str:
    value = row["value"]
    if ref.startswith("fact|"):
        return f"{value / 1e6:.0f}M" if row["metric"] == "parameters" else f"{value:g}"
    if ref.startswith("speed"):
        return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return f"{value if row['metric'] == 'median_rank' else value * 100:.1f}"


def _number_cells(cells: list[HtmlCell]) -> list[HtmlCell]:
    return [c for c in cells if "data-ref" in c.attrs]


def test_every_number_in_html_and_markdown_equals_results_json(
    made: tuple[list[Path], Path],
) -> None:
    runs, out = made
    page = parse_html(out / "report.html")
    markdown = parse_markdown(out / "report.md")
    cells = _number_cells(page.cells)
    assert len(cells) == 129  # 42 headline + 27 categories + 36 retrieval + 24 speed
    seen = set()
    for cell in cells:
        ref = cell.attrs["data-ref"]
        row = _lookup(runs, ref)
        assert float(cell.attrs["data-value"]) == row["value"], ref
        assert cell.value_text == _expected_text(row, ref), ref
        if ref.startswith("metric"):
            seen.add(ref)
            assert float(cell.attrs["data-ci-low"]) == row["ci_low"]
            assert float(cell.attrs["data-ci-high"]) == row["ci_high"]
            assert cell.ci == f"[{row['ci_low'] * 100:.1f}, {row['ci_high'] * 100:.1f}]"
        md = markdown[(cell.table, cell.row_index, cell.header)]
        marks = "".join(SUPERSCRIPTS[c] for c in cell.letters)
        assert md == (f"{cell.value_text}{marks} {cell.ci}" if cell.ci else cell.value_text + marks)
    # every metric row of every run is shown somewhere
    every = {
        "|".join(
            [
                "metric",
                run.name,
                r["model"],
                r["runtime"],
                r["precision"],
                r["task"],
                r["protocol"],
                _metric_name(r),
            ]
        )
        for run in runs
        for r in _json(run)["metrics"]
    }
    assert every == seen


def test_headline_letters_equal_compare(made: tuple[list[Path], Path]) -> None:
    runs, out = made
    cells = [
        c
        for c in _number_cells(parse_html(out / "report.html").cells)
        if c.table == "Headline" and c.attrs["data-ref"].startswith("metric")
    ]
    tested = 0
    verdicts = set()
    for metric, task, protocol in [
        ("recall@1", "shapes", "t2i"),
        ("recall@5", "shapes", "i2t"),
        ("group_score", "shapes-pairs", "all"),
    ]:
        result = compare(runs, [metric], tasks=[task], protocols=[protocol], resamples=RESAMPLES)
        letters = {
            c.row_label: c.attrs["data-letters"]
            for c in cells
            if c.attrs["data-ref"].endswith(f"|{task}|{protocol}|{metric}")
        }
        assert set(letters) == {"big", "mid", "small"}
        assert all(c.letters == c.attrs["data-letters"] for c in cells)
        for pair in result.results[0].pairs:
            share = bool(set(letters[pair.a]) & set(letters[pair.b]))
            assert share == (not pair.significant), (metric, pair)
            verdicts.add(pair.significant)
            tested += 1
    assert tested == 9 and verdicts == {True, False}


def test_guide_cites_the_measurements(made: tuple[list[Path], Path]) -> None:
    _, out = made
    text = (out / "report.md").read_text()
    assert "**Best quality: big.** shapes t2i (all captions) R@1 62.0% [59.0, 65.0]" in text
    assert "Not significantly different from the best: mid." in text
    assert "**Fastest not significantly worse than the best: mid.** 150 images/s" in text
    # p99 budget 5 ms: text p99 at batch 1 is 1000/(rate*0.5)*1.3 ms → big 6.5, mid 2.9, small 0.87
    assert "**Best under a p99 latency budget of 5 ms: mid.** text p99 2.89 ms" in text
    assert "**Best at ≥ 100 images/s: mid.** 150 images/s" in text
    assert "**Best on compositional tasks: big.** shapes-pairs (all) Group 50.0%" in text


def test_runs_on_other_data_are_separate_tables(tmp_path: Path) -> None:
    hits = correlated_hits([0.6, 0.4], 400, seed=3)
    pairs = correlated_hits([0.5, 0.3], 300, seed=4)
    a = make_run(tmp_path / "a", {"m1": (hits[0], pairs[0], (10.0, 20.0))})
    b = make_run(
        tmp_path / "b",
        {"m2": (hits[1], pairs[1], (10.0, 20.0))},
        fingerprint="content:other-images",
    )
    write_report([a, b], tmp_path / "out", ReportOptions(resamples=50))
    cells = _number_cells(parse_html(tmp_path / "out" / "report.html").cells)
    shapes = [
        c
        for c in cells
        if "|shapes|t2i|recall@1" in c.attrs["data-ref"] and c.table.startswith("Headline")
    ]
    tables = {c.table: c.row_label for c in shapes}
    assert len(tables) == 2 and sorted(tables.values()) == ["m1", "m2"]
    assert all("fingerprint" in t for t in tables)
    assert all("data-letters" not in c.attrs for c in shapes)  # never compared across data
    md = (tmp_path / "out" / "report.md").read_text()
    assert md.count("**Headline — shapes on shapes/test") == 2


def test_parameters_and_dimension_where_recorded(tmp_path: Path) -> None:
    hits = correlated_hits([0.6], 100, seed=5)
    pairs = correlated_hits([0.5], 60, seed=5)
    run = make_run(tmp_path / "a", {"m": (hits[0], pairs[0], (10.0, 20.0))})
    data = _json(run)
    data["environment"]["models"] = {"m": {"parameters": 149_620_737, "embedding_dim": 512}}
    (run / "results.json").write_text(json.dumps(data))
    write_report([run], tmp_path / "out", ReportOptions(resamples=50))
    cells = {c.header: c for c in parse_html(tmp_path / "out" / "report.html").cells
             if c.table == "Headline"}  # fmt: skip
    assert cells["model params"].value_text == "150M"
    assert float(cells["model params"].attrs["data-value"]) == 149_620_737
    assert cells["model dim"].value_text == "512"


def test_speed_from_a_separate_speed_run(tmp_path: Path) -> None:
    hits = correlated_hits([0.6, 0.5], 100, seed=6)
    pairs = correlated_hits([0.5, 0.4], 60, seed=6)
    quality = make_run(tmp_path / "q", {"m": (hits[0], pairs[0], (10.0, 20.0))})
    speed = make_run(tmp_path / "speed", {"m": (hits[1], pairs[1], (77.0, 88.0))})
    data = _json(quality)
    data["speed"] = []
    (quality / "results.json").write_text(json.dumps(data))
    data = _json(speed)
    data.update(metrics=[], outcomes=[], datasets=[])
    (speed / "results.json").write_text(json.dumps(data))
    write_report([quality, speed], tmp_path / "out", ReportOptions(resamples=50))
    cells = {c.header: c for c in parse_html(tmp_path / "out" / "report.html").cells
             if c.table == "Headline"}  # fmt: skip
    assert (
        cells["this machine images/s"].attrs["data-ref"]
        == "speed|speed|m|torch|fp32|32|image|throughput"
    )
    assert cells["this machine images/s"].value_text == "77.0"
    assert cells["this machine texts/s"].value_text == "88.0"
