"""Seeded test corpora and the independent reference: a brute-force loop over the corpus."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def unit_rows(n: int, d: int, seed: int = 0, clusters: int = 0) -> NDArray[np.float32]:
    """``n`` unit vectors in ``d`` dims; around ``clusters`` random centres when > 0."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    if clusters:
        centres = rng.standard_normal((clusters, d)) * 3
        x = centres[rng.integers(clusters, size=n)] + x
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(
    queries: NDArray[np.float32], corpus: NDArray[np.float32], k: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Per query, a Python loop over every row: sort by (score desc, row asc), keep ``k``."""
    scores = np.zeros((len(queries), k), np.float32)
    ids = np.zeros((len(queries), k), np.int64)
    for qi, q in enumerate(queries):
        s = [float(np.dot(q.astype(np.float64), row.astype(np.float64))) for row in corpus]
        best = sorted(range(len(corpus)), key=lambda j: (-s[j], j))[:k]
        ids[qi] = best
        scores[qi] = [s[j] for j in best]
    return scores, ids


def recall(found: NDArray[np.int64], truth: NDArray[np.int64]) -> float:
    """Mean over queries of |found ∩ truth| / k."""
    k = truth.shape[1]
    return float(np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth, strict=True)]))
