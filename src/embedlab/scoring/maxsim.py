"""Exact late-interaction (MaxSim) scores, chunked, in bounded memory.

For a query ``q`` with token vectors ``q_1..q_m`` and a document ``d`` with ``d_1..d_n``::

    MaxSim(q, d) = sum_{t=1..m} max_{s=1..n} <q_t, d_s>

(ColBERT; ColPali's ``score_retrieval``). Items are ragged
(:class:`~embedlab.core.multivector.MultiVectors`): padding is never stored, so it can neither win
a ``max`` (a zero-padded document token would beat every negative similarity) nor add a term to
the ``sum``. The score is not symmetric: the query side is summed, the document side maximised.
In image–text retrieval the caption is always the query side, ``s(caption, image)``, and i2t
ranks the same matrix per image (PROTOCOLS.md).

Computation, per block of queries x block of documents: one float32 GEMM of all query tokens of
the block against all document tokens of the block (``S = Q_tok @ D_tok^T``, ``Tq x Td``), then
``np.maximum.reduceat`` over each document's columns and ``np.add.reduceat`` over each query's
rows. Blocks are whole items, sized so that ``S`` holds about ``chunk_mb`` MB (an item larger
than that is a block of its own), so peak extra memory is about ``chunk_mb`` plus the reduced
``Tq x n_docs`` matrix, whatever the corpus size.

Work: ``sum_q m_q * sum_d n_d`` token dot products of ``D`` multiply-adds each
(:func:`token_dot_products`), the unit MUVERA's savings are stated in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError

DEFAULT_CHUNK_MB = 4.0


@dataclass(frozen=True)
class ScoreBlock:
    """MaxSim scores of queries ``q_start:q_stop`` against documents ``d_start:d_stop``."""

    q_start: int
    q_stop: int
    d_start: int
    d_stop: int
    scores: NDArray[np.float32]


def token_dot_products(queries: MultiVectors, docs: MultiVectors) -> int:
    """Token-level dot products of exact MaxSim of every query against every document."""
    return len(queries.tokens) * len(docs.tokens)


def _blocks(counts: NDArray[np.int64], budget: int) -> list[tuple[int, int]]:
    """Consecutive item ranges whose token counts sum to at most ``budget`` (>= 1 item each)."""
    ranges: list[tuple[int, int]] = []
    start, total = 0, 0
    for i, n in enumerate(counts.tolist()):
        if i > start and total + n > budget:
            ranges.append((start, i))
            start, total = i, 0
        total += n
    if start < len(counts):
        ranges.append((start, len(counts)))
    return ranges


def maxsim_blocks(
    queries: MultiVectors, docs: MultiVectors, chunk_mb: float = DEFAULT_CHUNK_MB
) -> Iterator[ScoreBlock]:
    """Exact MaxSim scores block by block: query blocks outer, document blocks inner.

    Raises:
        DataError: the two sides have different dimensions.
        ConfigError: ``chunk_mb`` is not positive.
    """
    if queries.dim != docs.dim:
        raise DataError(f"query tokens have {queries.dim} dims, document tokens {docs.dim}")
    if not chunk_mb > 0:
        raise ConfigError(f"chunk_mb must be positive (got {chunk_mb})")
    cells = max(1, int(chunk_mb * 2**20 / 4))
    # Query blocks take up to half the budget's square root in tokens, so both sides of the GEMM
    # stay wide; document blocks fill the rest.
    q_budget = max(1, min(len(queries.tokens), int(cells**0.5) * 4))
    for qa, qb in _blocks(queries.counts, q_budget):
        qv = queries.slice(qa, qb)
        q_starts = qv.offsets[:-1]
        d_budget = max(1, cells // max(1, len(qv.tokens)))
        for da, db in _blocks(docs.counts, d_budget):
            dv = docs.slice(da, db)
            sims = qv.tokens @ dv.tokens.T
            best = np.maximum.reduceat(sims, dv.offsets[:-1], axis=1)
            del sims
            scores = np.add.reduceat(best, q_starts, axis=0)
            yield ScoreBlock(qa, qb, da, db, scores.astype(np.float32, copy=False))


def maxsim_scores(
    queries: MultiVectors, docs: MultiVectors, chunk_mb: float = DEFAULT_CHUNK_MB
) -> NDArray[np.float32]:
    """The full ``(n_queries, n_docs)`` MaxSim matrix (module docstring)."""
    out = np.empty((queries.n_items, docs.n_items), dtype=np.float32)
    for b in maxsim_blocks(queries, docs, chunk_mb):
        out[b.q_start : b.q_stop, b.d_start : b.d_stop] = b.scores
    return out


def maxsim_pairs(
    queries: MultiVectors, docs: MultiVectors, query_index: ArrayLike, doc_index: ArrayLike
) -> NDArray[np.float32]:
    """MaxSim of the given (query, document) pairs only: ``out[p] = MaxSim(q[qi[p]], d[di[p]])``.

    For pair-choice tasks, which score a handful of documents per query.
    """
    qi = np.asarray(query_index, dtype=np.int64)
    di = np.asarray(doc_index, dtype=np.int64)
    if qi.shape != di.shape or qi.ndim != 1:
        raise DataError(
            f"pair indices must be two 1-d arrays of one length, got {qi.shape}, {di.shape}"
        )
    if queries.dim != docs.dim:
        raise DataError(f"query tokens have {queries.dim} dims, document tokens {docs.dim}")
    out = np.empty(len(qi), dtype=np.float32)
    for p, (a, b) in enumerate(zip(qi.tolist(), di.tolist(), strict=True)):
        best = (queries.item(a) @ docs.item(b).T).max(axis=1, keepdims=True)
        # the same sequential float32 sum as maxsim_blocks (dot products may still differ by
        # BLAS rounding for different shapes: equal to ~1e-7 relative, not bit for bit)
        out[p] = np.add.reduceat(best, [0], axis=0)[0, 0]
    return out
