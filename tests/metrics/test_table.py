"""The metric table: names → per-query values from outcome columns, for tasks, CIs and compare."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.metrics.table import METRICS, MetricDef, MetricTable


def test_outcome_columns_give_per_query_values() -> None:
    columns = {"rank": np.array([1, 3, 11]), "group": np.array([1, 0, 1]), "label": np.array([4])}
    np.testing.assert_array_equal(METRICS.per_query("group", columns), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(METRICS.per_query("recall@10", columns), [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(METRICS.per_query("hit@3", columns), [1.0, 1.0, 0.0])
    mrr = METRICS.per_query("mrr", columns)
    assert mrr is not None
    np.testing.assert_allclose(mrr, np.array([1.0, 1 / 3, 1 / 11]))
    assert METRICS.per_query("text", columns) is None
    assert METRICS.per_query("recall@0", columns) is None  # K is a positive integer
    with pytest.raises(ConfigError, match=r"'label'.*not a per-query score"):
        METRICS.per_query("label", columns)


def test_the_same_name_resolves_by_the_columns_present() -> None:
    """recall@K: the hit rate on a rank table, the graded recall on a BEIR table."""
    ranked = METRICS.value("recall@5", "t2i", {"rank": np.array([1, 6, 5, 2])})
    assert (ranked.metric, ranked.k, ranked.value, ranked.n) == ("recall@5", 5, 0.75, 4)
    graded = METRICS.value("recall@100", "q2d", {"recall_at_100": np.array([0.5, 1.0])})
    assert (graded.metric, graded.k, graded.value) == ("recall", 100, 0.75)
    ndcg = METRICS.value("ndcg@10", "q2d", {"ndcg_at_10": np.array([0.2, 0.4])})
    assert (ndcg.metric, ndcg.k) == ("ndcg", 10) and ndcg.value == pytest.approx(0.3)


def test_statistics_and_weights() -> None:
    ranks = np.array([1, 2, 9, 100])
    median = METRICS.value("median_rank", "t2i", {"rank": ranks})
    assert (median.value, median.statistic) == (5.5, "median")
    assert not METRICS.known("median_rank").comparable  # type: ignore[union-attr]
    # macro accuracy: groups of 1 and 3 items, correct 1/1 and 1/3 -> (1 + 1/3) / 2
    weights = 4 / (2 * np.array([1.0, 3.0, 3.0, 3.0]))
    macro = METRICS.value(
        "accuracy", "macro", {"correct": np.array([1, 1, 0, 0]), "weight": weights}
    )
    assert macro.value == pytest.approx((1 + 1 / 3) / 2)
    top = METRICS.value("accuracy@1", "zeroshot", {"rank": np.array([1, 2, 1]), "label": ranks})
    assert (top.metric, top.k, top.value) == ("accuracy", 1, pytest.approx(2 / 3))


def test_balanced_accuracy_from_columns_equals_the_mean_of_class_recalls() -> None:
    labels = np.array([0, 0, 0, 1, 2, 2])
    rank = np.array([1, 2, 1, 1, 3, 1])
    value = METRICS.value("mean_per_class_recall", "zeroshot", {"rank": rank, "label": labels})
    assert value.value == pytest.approx(np.mean([2 / 3, 1.0, 1 / 2]))


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"'nope'.*known metrics: .*recall@K"):
        METRICS.value("nope", "t2i", {"rank": np.array([1])})


def test_a_new_metric_is_one_entry() -> None:
    """A new table (like the package one) picks a registered entry up by name and columns."""
    table = MetricTable()
    table.register(MetricDef("precision@K", ("rank",), lambda c, k: (c["rank"] <= (k or 0)) / k))
    got = table.value("precision@2", "t2i", {"rank": np.array([1, 3])})
    assert (got.metric, got.k, got.value) == ("precision@2", 2, 0.25)
    assert table.resolve("precision@2", ["label"]) is None
