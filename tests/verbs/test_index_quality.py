"""ANN recall against exact search (tie-aware) and Matryoshka truncation, by hand."""

from __future__ import annotations

import numpy as np

from embedlab.verbs.index_quality import matryoshka, recall_vs_exact


def test_recall_vs_exact_counts_ties_with_the_kth_neighbour_as_correct() -> None:
    corpus = np.array([[1, 0], [0.6, 0.8], [0.6, 0.8], [0, 1]], dtype=np.float32)
    query = np.array([[1, 0]], dtype=np.float32)
    exact_scores = np.array([[1.0, 0.6]], dtype=np.float32)  # k = 2: items 0, then 1 or 2
    tied = np.array([[0, 2]], dtype=np.int64)  # the other tied item: still a perfect list
    assert recall_vs_exact(tied, query, corpus, exact_scores, 2).tolist() == [1.0]
    wrong = np.array([[0, 3]], dtype=np.int64)
    assert recall_vs_exact(wrong, query, corpus, exact_scores, 2).tolist() == [0.5]
    padded = np.array([[0, -1]], dtype=np.int64)  # -1: nothing returned
    assert recall_vs_exact(padded, query, corpus, exact_scores, 2).tolist() == [0.5]


def test_recall_vs_exact_equals_set_overlap_without_ties() -> None:
    rng = np.random.default_rng(1)
    corpus = rng.standard_normal((50, 8)).astype(np.float32)
    queries = rng.standard_normal((6, 8)).astype(np.float32)
    scores = queries @ corpus.T
    exact = np.argsort(-scores, axis=1)[:, :5]
    found = np.argsort(-scores, axis=1)[:, 2:7]  # 3 of the true 5, then 2 others
    ref = np.take_along_axis(scores, exact, axis=1)
    got = recall_vs_exact(found.astype(np.int64), queries, corpus, ref, 5)
    want = [len(set(e) & set(f)) / 5 for e, f in zip(exact, found, strict=True)]
    assert np.allclose(got, want) and np.allclose(got, 0.6)


def test_matryoshka_truncates_and_renormalises() -> None:
    x = np.array([[3, 4, 12]], dtype=np.float32)
    assert np.allclose(matryoshka(2)(x), [[0.6, 0.8]])
    assert matryoshka(None)(x) is x
