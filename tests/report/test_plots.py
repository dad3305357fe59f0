"""Pareto points, frontier and the PNG plot."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.errors import ConfigError
from embedlab.report.pareto import (
    ParetoPoint,
    QualityChoice,
    choose_quality,
    pareto_frontier,
    pareto_points,
)
from embedlab.results.schema import MetricRow, SpeedRow


def _p(quality: float, throughput: float, name: str = "m") -> ParetoPoint:
    return ParetoPoint(name, "torch", "fp32", quality, throughput, 32)


def _metric(model: str, value: float, runtime: str = "torch", precision: str = "fp32",
            metric: str = "recall", k: int | None = 1) -> MetricRow:  # fmt: skip
    return MetricRow(model=model, runtime=runtime, precision=precision, task="coco", dataset="c",
                     protocol="t2i", metric=metric, k=k, value=value, n=10)  # fmt: skip


def _speed(model: str, value: float, batch: int = 32, runtime: str = "torch",
           precision: str = "fp32", modality: str = "image") -> SpeedRow:  # fmt: skip
    return SpeedRow(model=model, runtime=runtime, precision=precision, device="cpu",
                    batch_size=batch, modality=modality, metric="throughput", value=value,
                    unit="items/s", n=100, timed_region="preprocess+model")  # fmt: skip


def test_frontier_drops_dominated_points_and_sorts_by_throughput() -> None:
    points = [_p(0.5, 10), _p(0.4, 20), _p(0.3, 15), _p(0.6, 5), _p(0.4, 20)]
    assert pareto_frontier(points) == [3, 0, 1, 4]  # (0.3, 15) is beaten by (0.4, 20)


def test_equal_points_do_not_dominate_each_other_and_ranks_flip_the_direction() -> None:
    assert pareto_frontier([_p(0.5, 10), _p(0.5, 10)]) == [0, 1]
    ranks = [_p(3.0, 10), _p(5.0, 10), _p(2.0, 1)]
    assert pareto_frontier(ranks, higher_is_better=False) == [2, 0]


def test_points_match_quality_exactly_or_fall_back_to_the_model() -> None:
    metrics = [_metric("a", 0.5), _metric("a", 0.45, "onnxruntime", "int8"), _metric("b", 0.3)]
    speed = [_speed("a", 10), _speed("a", 8, batch=1), _speed("a", 30, runtime="onnxruntime",
             precision="int8"), _speed("b", 50, precision="bf16"), _speed("c", 99),
             _speed("b", 1, modality="text")]  # fmt: skip
    choice = choose_quality(metrics, "recall@1", None, None)
    assert choice == QualityChoice("recall@1", "coco", "t2i")
    points = {(p.model, p.runtime, p.precision): p for p in pareto_points(metrics, speed, choice)}
    a, a_int8, b = ("a", "torch", "fp32"), ("a", "onnxruntime", "int8"), ("b", "torch", "bf16")
    assert set(points) == {a, a_int8, b}
    assert points[a].throughput == 10 and points[a].batch_size == 32  # the largest batch
    assert points[a_int8].quality == 0.45 and points[a_int8].exact
    assert points[b].exact is False and points[b].quality == 0.3
    only_b1 = pareto_points(metrics, speed, choice, batch_size=1)
    assert [(p.model, p.throughput) for p in only_b1] == [("a", 8)]


def test_an_absent_metric_lists_the_ones_present() -> None:
    with pytest.raises(ConfigError, match="recall@1"):
        choose_quality([_metric("a", 0.5)], "mrr", None, None)


def test_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from embedlab.report.plots import quality_label, throughput_label, write_pareto_plot

    choice = QualityChoice("recall@1", "coco", "t2i")
    points = [_p(0.5, 10, "a"), _p(0.4, 20, "b"), _p(0.3, 15, "c"),
              ParetoPoint("d", "onnxruntime", "int8", 0.35, 40, 32, exact=False)]  # fmt: skip
    path = write_pareto_plot(points, tmp_path / "plots" / "pareto.png", choice)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert not list(path.parent.glob(".*.tmp"))
    assert quality_label(choice) == "coco · t2i · recall@1 (%)"
    assert "images/s, batch 1, 32" in throughput_label("image", [32, 1])


def test_an_empty_plot_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from embedlab.report.plots import write_pareto_plot

    with pytest.raises(ValueError):
        write_pareto_plot([], tmp_path / "p.png", QualityChoice("recall@1", "c", "t2i"))


def _ci_metric(model: str, value: float, low: float, high: float) -> MetricRow:
    return MetricRow(model=model, runtime="torch", precision="fp32", task="coco", dataset="c",
                     protocol="t2i", metric="recall@1", k=1, value=value, n=10,
                     ci_low=low, ci_high=high, ci_method="percentile-bootstrap")  # fmt: skip


def test_points_carry_the_quality_ci() -> None:
    metrics = [_ci_metric("a", 0.5, 0.4, 0.6), _metric("b", 0.3)]
    choice = QualityChoice("recall@1", "coco", "t2i")
    points = {p.model: p for p in pareto_points(metrics, [_speed("a", 10), _speed("b", 20)],
                                                choice)}  # fmt: skip
    assert (points["a"].ci_low, points["a"].ci_high) == (0.4, 0.6)
    assert (points["b"].ci_low, points["b"].ci_high) == (None, None)


def test_quality_ci_is_drawn_as_error_bars() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.container import ErrorbarContainer

    from embedlab.report.plots import DEFAULT_TITLE, pareto_figure

    choice = QualityChoice("recall@1", "coco", "t2i")
    points = [
        ParetoPoint("a", "torch", "fp32", 0.5, 10, 32, ci_low=0.4, ci_high=0.65),
        ParetoPoint("b", "torch", "fp32", 0.3, 20, 32, ci_low=0.25, ci_high=0.31),
        ParetoPoint("c", "torch", "fp32", 0.2, 5, 32),  # no CI: no bar
    ]
    (axes,) = pareto_figure(points, choice).axes
    bars = [c for c in axes.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2
    spans = []
    for bar in bars:
        (segments,) = bar.lines[2]  # the vertical bar's LineCollection
        ((x0, y0), (x1, y1)) = segments.get_segments()[0]
        spans.append((x0, round(min(y0, y1), 6), round(max(y0, y1), 6)))
        assert x0 == x1
    assert sorted(spans) == [(10.0, 40.0, 65.0), (20.0, 25.0, 31.0)]  # percent, asymmetric
    assert axes.get_title() == DEFAULT_TITLE
    assert "quality CI" in [t.get_text() for t in axes.get_legend().get_texts()]


def test_a_single_configuration_says_so(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from embedlab.report.plots import pareto_figure, plot_run
    from embedlab.results.schema import RunLog

    choice = QualityChoice("recall@1", "coco", "t2i")
    (axes,) = pareto_figure([_p(0.5, 10)], choice).axes
    assert "one configuration only" in axes.get_title()
    log = RunLog(embedlab_version="0", status="complete", started_at="now", config={},
                 environment={}, metrics=[_ci_metric("a", 0.5, 0.4, 0.6)],
                 speed=[_speed("a", 10)])  # fmt: skip
    options = {"metric": "recall@1", "task": None, "protocol": None, "modality": "image"}
    line = plot_run(log, None, tmp_path, options)
    assert line.startswith(f"wrote {tmp_path / 'pareto.png'} (one configuration only")
    assert (tmp_path / "pareto.png").is_file()
