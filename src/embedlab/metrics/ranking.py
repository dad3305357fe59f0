"""Graded ranking metrics per query (nDCG@k, Recall@k, MRR@k), as BEIR/MTEB get them from
trec_eval (``pytrec_eval``); aggregation (the mean over queries) is separate.

Notation: for query ``q``, ``g_q(r)`` is the relevance grade of the document at rank ``r``
(1-based) of the system's ranking, 0 when that document is unjudged; ``J_q`` is the multiset of
the grades of all judged documents of ``q``; a document is *relevant* when its grade is > 0.

- ``DCG@k = sum_{r=1..k} max(g(r), 0) / log2(r + 1)`` (linear gain, trec_eval's ``ndcg_cut``:
  negative grades give no gain);
- ``IDCG@k`` = DCG@k of the ideal ranking: the positive grades of ``J_q`` sorted descending
  (judged documents only, whether or not they are in the corpus or were retrieved);
- ``nDCG@k = DCG@k / IDCG@k`` (0 when IDCG@k = 0);
- ``Recall@k = #{r <= k : g(r) > 0} / #{relevant documents in J_q}`` (0 without relevant ones);
- ``RR@k = 1 / min{r <= k : g(r) > 0}``, 0 when no relevant document is in the top k
  (MRR@k is its mean; BEIR computes it with the same cut-off).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, DataError
from embedlab.metrics.table import METRICS, Columns, MetricDef, PerQuery


def grade_matrix(
    rankings: ArrayLike, doc_ids: Sequence[str], judgements: Sequence[Mapping[str, int]]
) -> NDArray[np.int64]:
    """``G[q, r-1] = g_q(r)``: the grade of each ranked document (0 if unjudged).

    Args:
        rankings: ``(Q, K)`` document indices, best first; ``-1`` marks an empty rank.
        doc_ids: the id of each document index.
        judgements: per query, ``{doc id: grade}``.
    """
    ranked = np.asarray(rankings, dtype=np.int64)
    if ranked.ndim != 2 or ranked.shape[0] != len(judgements):
        raise DataError(f"rankings {ranked.shape} do not match {len(judgements)} queries")
    grades = np.zeros(ranked.shape, dtype=np.int64)
    for q, judged in enumerate(judgements):
        if judged:
            grades[q] = [judged.get(doc_ids[d], 0) if d >= 0 else 0 for d in ranked[q]]
    return grades


def ideal_grades(judgements: Sequence[Mapping[str, int]], k: int) -> NDArray[np.int64]:
    """``(Q, k)``: each query's positive judged grades sorted descending, zero-padded."""
    _check_k(k)
    ideal = np.zeros((len(judgements), k), dtype=np.int64)
    for q, judged in enumerate(judgements):
        best = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
        ideal[q, : len(best)] = best
    return ideal


def dcg_at_k(grades: ArrayLike, k: int) -> NDArray[np.float64]:
    """``DCG@k = sum_{r=1..k} max(g(r), 0) / log2(r + 1)`` per row of ``grades`` ``(Q, K)``."""
    _check_k(k)
    g = np.maximum(_grades(grades)[:, :k], 0).astype(np.float64)
    discounts = np.log2(np.arange(2, g.shape[1] + 2, dtype=np.float64))
    out: NDArray[np.float64] = (g / discounts).sum(axis=1)
    return out


def ndcg_at_k(
    grades: ArrayLike, judgements: Sequence[Mapping[str, int]], k: int
) -> NDArray[np.float64]:
    """``nDCG@k = DCG@k / IDCG@k`` per query (0 when IDCG@k is 0); see the module docstring."""
    dcg = dcg_at_k(grades, k)
    idcg = dcg_at_k(ideal_grades(judgements, k), k)
    out = np.zeros_like(dcg)
    np.divide(dcg, idcg, out=out, where=idcg > 0)
    return out


def recall_at_k(
    grades: ArrayLike, judgements: Sequence[Mapping[str, int]], k: int
) -> NDArray[np.float64]:
    """``Recall@k = #{relevant in the top k} / #{relevant judged}`` (0 when none is relevant)."""
    _check_k(k)
    found: NDArray[np.float64] = (_grades(grades)[:, :k] > 0).sum(axis=1).astype(np.float64)
    total = np.asarray([sum(g > 0 for g in j.values()) for j in judgements], dtype=np.float64)
    if total.shape != found.shape:
        raise DataError(f"{len(judgements)} judgement sets for {found.shape[0]} rankings")
    out = np.zeros_like(found)
    np.divide(found, total, out=out, where=total > 0)
    return out


def first_relevant_rank(grades: ArrayLike) -> NDArray[np.int64]:
    """1-based rank of the first relevant document in each row, 0 when there is none."""
    relevant = _grades(grades) > 0
    first = np.argmax(relevant, axis=1) + 1
    return np.where(relevant.any(axis=1), first, 0).astype(np.int64)


def reciprocal_rank_at_k(grades: ArrayLike, k: int) -> NDArray[np.float64]:
    """``RR@k = 1 / (rank of the first relevant document)`` if it is within k, else 0."""
    _check_k(k)
    first = first_relevant_rank(_grades(grades)[:, :k]).astype(np.float64)
    out = np.zeros_like(first)
    np.divide(1.0, first, out=out, where=first > 0)
    return out


def _grades(grades: ArrayLike) -> NDArray[np.int64]:
    arr = np.asarray(grades)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise DataError(f"grades must be a 2-D integer array (queries x ranks), got {arr.shape}")
    return arr.astype(np.int64, copy=False)


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")


def _column_reader(name: str) -> PerQuery:
    def read(columns: Columns, k: int | None) -> NDArray[np.float64]:
        return np.asarray(columns[name.format(k=k)], dtype=np.float64)

    return read


for _name, _column, _row, _formula in (
    ("ndcg@K", "ndcg_at_{k}", "ndcg", "nDCG@K = DCG@K / IDCG@K, linear gain (trec_eval ndcg_cut)"),
    ("recall@K", "recall_at_{k}", "recall", "Recall@K = #relevant in the top K / #relevant judged"),
    ("mrr@K", "rr_at_{k}", "mrr", "MRR@K = mean_q 1 / rank of the first relevant doc in K, or 0"),
):
    reader = _column_reader(_column)
    METRICS.register(MetricDef(_name, (_column,), reader, row=_row, formula=_formula))
