"""Top-k search for late-interaction models: exact MaxSim, reranking, and MUVERA + rerank.

Order: score descending, ties by document index ascending (a total order, so results are
deterministic and comparable). Three ways to the top ``k`` documents of each query:

- :func:`exact_topk`: MaxSim of every query against every document
  (:mod:`embedlab.scoring.maxsim`), a running top-``k`` per query, bounded memory.
- :func:`rerank`: exact MaxSim of each query against its given candidates only (the second stage
  of a two-stage pipeline; candidates may come from any first stage, e.g. a dense model).
- :func:`muvera_topk`: the ``candidates`` best documents by FDE inner product
  (:mod:`embedlab.scoring.muvera`, dense exact search), then :func:`rerank`.

Each result counts its work: ``token_dot_products`` (token-level dot products of ``D``
multiply-adds, the cost exact MaxSim pays ``sum_q m_q * sum_d n_d`` of) and, for MUVERA,
``fde_dot_products`` (query x document FDE inner products of ``fde_dim`` multiply-adds each).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError
from embedlab.scoring.dense_topk import dense_topk
from embedlab.scoring.maxsim import DEFAULT_CHUNK_MB, maxsim_blocks, maxsim_scores
from embedlab.scoring.muvera import Muvera
from embedlab.scoring.topk_order import best_k


@dataclass(frozen=True)
class LateTopK:
    """Per query the best ``k`` documents, best first, and the work it took.

    Attributes:
        indices: int64 ``(Q, k)`` document indices.
        scores: float32 ``(Q, k)`` exact MaxSim scores.
        token_dot_products: token-level dot products computed.
        fde_dot_products: FDE inner products computed (0 without a MUVERA stage).
        fde_dim: dimension of those FDE inner products (0 without one).
    """

    indices: NDArray[np.int64]
    scores: NDArray[np.float32]
    token_dot_products: int
    fde_dot_products: int = 0
    fde_dim: int = 0


def _check_k(k: int, n_docs: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer (got {k!r})")
    return min(int(k), n_docs)


def exact_topk(
    queries: MultiVectors, docs: MultiVectors, k: int, chunk_mb: float = DEFAULT_CHUNK_MB
) -> LateTopK:
    """Exact MaxSim top-``k`` of every query (module docstring)."""
    k = _check_k(k, docs.n_items)
    out_s = np.full((queries.n_items, k), -np.inf, dtype=np.float32)
    out_i = np.full((queries.n_items, k), np.iinfo(np.int64).max, dtype=np.int64)
    for b in maxsim_blocks(queries, docs, chunk_mb):
        rows = slice(b.q_start, b.q_stop)
        cols = np.broadcast_to(np.arange(b.d_start, b.d_stop, dtype=np.int64), b.scores.shape)
        s = np.concatenate([out_s[rows], b.scores], axis=1)
        i = np.concatenate([out_i[rows], cols], axis=1)
        out_s[rows], out_i[rows] = best_k(s, i, k)
    work = len(queries.tokens) * len(docs.tokens)
    return LateTopK(out_i, out_s, work)


def rerank(queries: MultiVectors, docs: MultiVectors, candidates: ArrayLike, k: int) -> LateTopK:
    """Exact MaxSim top-``k`` of each query among its ``candidates`` (row ``q``: document
    indices; ``-1`` entries are ignored, duplicates count once)."""
    cand = np.asarray(candidates, dtype=np.int64)
    if cand.ndim != 2 or len(cand) != queries.n_items:
        raise DataError(
            f"candidates must be (n_queries, K) = ({queries.n_items}, K), got {cand.shape}"
        )
    if cand.size and cand.max() >= docs.n_items:
        raise DataError(
            f"candidate index {int(cand.max())} is outside the {docs.n_items} documents"
        )
    k = _check_k(k, docs.n_items)
    out_s = np.full((queries.n_items, k), -np.inf, dtype=np.float32)
    out_i = np.full((queries.n_items, k), -1, dtype=np.int64)
    work = 0
    counts = docs.counts
    for q in range(queries.n_items):
        c = np.unique(cand[q][cand[q] >= 0])
        if not len(c):
            continue
        s = maxsim_scores(queries.slice(q, q + 1), docs.select(c))
        work += int(queries.counts[q]) * int(counts[c].sum())
        top_s, top_i = best_k(s, c[None, :], k)
        out_s[q, : top_s.shape[1]], out_i[q, : top_i.shape[1]] = top_s[0], top_i[0]
    return LateTopK(out_i, out_s, work)


def muvera_topk(
    queries: MultiVectors,
    docs: MultiVectors,
    k: int,
    candidates: int,
    muvera: Muvera,
    doc_fdes: NDArray[np.float32] | None = None,
) -> LateTopK:
    """MUVERA first stage (top ``candidates`` by FDE inner product), exact MaxSim rerank.

    ``doc_fdes``: the documents' FDEs when already computed (an index holds them; encoding the
    corpus is an indexing cost, not a query cost); default: encoded here.
    """
    fd = muvera.encode_documents(docs) if doc_fdes is None else doc_fdes
    if fd.shape != (docs.n_items, muvera.fde_dim):
        raise DataError(
            f"doc_fdes has shape {fd.shape}; expected ({docs.n_items}, {muvera.fde_dim})"
        )
    first = dense_topk(muvera.encode_queries(queries), fd, _check_k(candidates, docs.n_items))
    result = rerank(queries, docs, first.indices, k)
    return LateTopK(
        result.indices,
        result.scores,
        result.token_dot_products,
        fde_dot_products=queries.n_items * docs.n_items,
        fde_dim=muvera.fde_dim,
    )


def recovered_fraction(found: ArrayLike, exact: ArrayLike) -> float:
    """Mean over queries of ``|found_q ∩ exact_q| / |exact_q|`` (top-k sets, order ignored)."""
    f, e = np.asarray(found), np.asarray(exact)
    if f.shape[0] != e.shape[0]:
        raise DataError(f"{f.shape[0]} found rows against {e.shape[0]} exact rows")
    hits = [len(set(a.tolist()) & set(b.tolist())) / len(b) for a, b in zip(f, e, strict=True)]
    return float(np.mean(hits)) if hits else float("nan")
