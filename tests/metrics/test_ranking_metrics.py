"""Graded ranking metrics: hand-computed values, edge cases, and trec_eval (pytrec_eval)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from embedlab.errors import ConfigError, DataError
from embedlab.metrics.ranking import (
    dcg_at_k,
    first_relevant_rank,
    grade_matrix,
    ideal_grades,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank_at_k,
)

LOG3, LOG4, LOG5 = math.log2(3), math.log2(4), math.log2(5)


def test_graded_ndcg_by_hand() -> None:
    # ranking: d3 (grade 1), d9 (unjudged), d1 (grade 2), d4 (grade 0); judged d1=2, d2=2, d3=1
    judged = [{"d1": 2, "d2": 2, "d3": 1, "d4": 0}]
    grades = grade_matrix([[3, 9, 1, 4]], [f"d{i}" for i in range(10)], judged)
    np.testing.assert_array_equal(grades, [[1, 0, 2, 0]])
    dcg = 1 / 1 + 0 / LOG3 + 2 / LOG4 + 0 / LOG5  # gain / log2(rank + 1)
    idcg = 2 / 1 + 2 / LOG3 + 1 / LOG4  # ideal: judged grades 2, 2, 1
    np.testing.assert_allclose(dcg_at_k(grades, 10), [dcg])
    np.testing.assert_allclose(ndcg_at_k(grades, judged, 10), [dcg / idcg])
    np.testing.assert_allclose(ndcg_at_k(grades, judged, 1), [1 / 2])  # nDCG@1 = 1 / 2
    np.testing.assert_array_equal(ideal_grades(judged, 4), [[2, 2, 1, 0]])


def test_recall_rr_and_first_rank_by_hand() -> None:
    judged = [{"a": 1, "b": 3, "z": 1}, {"a": 0}, {"c": 1}]
    grades = np.array([[0, 3, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_allclose(recall_at_k(grades, judged, 100), [2 / 3, 0.0, 1.0])
    np.testing.assert_allclose(recall_at_k(grades, judged, 2), [1 / 3, 0.0, 0.0])
    np.testing.assert_allclose(reciprocal_rank_at_k(grades, 10), [0.5, 0.0, 0.25])
    np.testing.assert_allclose(reciprocal_rank_at_k(grades, 3), [0.5, 0.0, 0.0])
    np.testing.assert_array_equal(first_relevant_rank(grades), [2, 0, 4])


def test_negative_grades_give_no_gain_and_empty_ranks_count_zero() -> None:
    judged = [{"d1": 2, "d0": -1}]
    grades = grade_matrix([[0, 1, -1]], ["d0", "d1"], judged)
    np.testing.assert_array_equal(grades, [[-1, 2, 0]])
    np.testing.assert_allclose(ndcg_at_k(grades, judged, 10), [1 / LOG3])


def test_no_relevant_judgement_scores_zero() -> None:
    judged = [{"x": 0}]
    np.testing.assert_array_equal(ndcg_at_k(np.zeros((1, 3), np.int64), judged, 10), [0.0])
    np.testing.assert_array_equal(recall_at_k(np.zeros((1, 3), np.int64), judged, 10), [0.0])


def test_input_errors() -> None:
    with pytest.raises(ConfigError, match="positive integer"):
        dcg_at_k(np.zeros((1, 2), np.int64), 0)
    with pytest.raises(DataError, match="2-D integer"):
        dcg_at_k(np.zeros(3), 2)
    with pytest.raises(DataError, match="do not match"):
        grade_matrix([[0]], ["a"], [{}, {}])


def test_matches_pytrec_eval_on_random_graded_runs() -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    rng = np.random.default_rng(0)
    doc_ids = [f"d{i:03d}" for i in range(150)]
    qrels, run, rankings, judged = {}, {}, [], []
    for q in range(40):
        chosen = rng.choice(150, size=int(rng.integers(1, 25)), replace=False)
        graded = {doc_ids[d]: int(rng.integers(0, 4)) for d in chosen}
        graded[doc_ids[int(chosen[0])]] = 2  # at least one relevant
        ranked = rng.permutation(150)[:100]  # the top 100, best first (distinct scores)
        qrels[f"q{q}"] = graded
        run[f"q{q}"] = {doc_ids[d]: 100.0 - r for r, d in enumerate(ranked)}
        rankings.append(ranked)
        judged.append(graded)
    measures = {"ndcg_cut.10", "recall.100"}
    ref = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    grades = grade_matrix(np.asarray(rankings), doc_ids, judged)
    expected_ndcg = [ref[f"q{q}"]["ndcg_cut_10"] for q in range(40)]
    expected_recall = [ref[f"q{q}"]["recall_100"] for q in range(40)]
    np.testing.assert_allclose(ndcg_at_k(grades, judged, 10), expected_ndcg, atol=1e-12)
    np.testing.assert_allclose(recall_at_k(grades, judged, 100), expected_recall, atol=1e-12)
