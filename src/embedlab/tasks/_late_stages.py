"""The searches of the ``vidore`` task: one model's encoded queries and pages, searched exactly,
by MUVERA, or as the second stage over another model's candidates; each timed and sized.

- **Exact**: a dense model ranks pages by the float32 dot product
  (:func:`embedlab.scoring.dense_topk.dense_topk`); a late-interaction model by
  ``MaxSim(q, d) = sum_t max_s <q_t, d_s>`` (:func:`embedlab.scoring.late_search.exact_topk`).
  Ties: the lower page index first (the task orders pages by id descending, so this is
  trec_eval's order).
- **Per query** (:func:`exact_each`, :func:`rerank_each`): every query searched alone and
  timed (``perf_counter``, embeddings already computed): its search latency.
- **MUVERA** (:func:`muvera_search`): page FDEs encoded once (an indexing cost, timed apart),
  then query FDEs → top ``candidates`` by FDE inner product → exact MaxSim rerank
  (:func:`embedlab.scoring.late_search.muvera_topk`).

Storage per page (float32): ``4 * D`` bytes for a dense vector, ``4 * D * mean_d n_d`` for a
multi-vector page, ``4 * fde_dim`` for an FDE.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.embedding.contract import Embedder
from embedlab.errors import ConfigError
from embedlab.scoring.dense_topk import dense_topk
from embedlab.scoring.late_search import exact_topk, muvera_topk, rerank
from embedlab.scoring.muvera import Muvera, MuveraSettings

Vectors = NDArray[np.float32] | MultiVectors


@dataclass(frozen=True)
class Encoded:
    """One model's queries and pages: ``(N, D)`` arrays (dense) or :class:`MultiVectors`."""

    model: str
    queries: Vectors
    pages: Vectors

    @property
    def late(self) -> bool:
        """Multi-vector (MaxSim) embeddings."""
        return isinstance(self.pages, MultiVectors)

    @property
    def dim(self) -> int:
        """Dimension of a vector (dense) or of a token vector (multi-vector)."""
        p = self.pages
        return p.dim if isinstance(p, MultiVectors) else int(p.shape[1])

    @property
    def n_queries(self) -> int:
        q = self.queries
        return q.n_items if isinstance(q, MultiVectors) else int(q.shape[0])

    def page_bytes(self) -> float:
        """Mean float32 bytes stored per page (module docstring)."""
        return 4.0 * self.dim * _mean_tokens(self.pages)

    def sizes(self) -> dict[str, float]:
        """Dimension, mean tokens per query and per page (1 for dense), bytes per page."""
        return {
            "dim": float(self.dim),
            "query_tokens": _mean_tokens(self.queries),
            "page_tokens": _mean_tokens(self.pages),
            "bytes_per_page": self.page_bytes(),
        }


def encode(
    embedder: Embedder,
    dataset: str,
    page_ids: Sequence[str],
    page_paths: Sequence[Path],
    query_ids: Sequence[str],
    texts: Sequence[str],
) -> Encoded:
    """Pages through the image tower, queries through the text tower (role ``query``); token
    matrices for a late-interaction model, one vector per item otherwise."""
    if embedder.late_interaction:
        pages: Vectors = embedder.image_tokens(dataset, page_ids, page_paths)
        queries: Vectors = embedder.text_tokens(dataset, query_ids, texts, role="query")
    else:
        pages = embedder.images(dataset, page_ids, page_paths)
        queries = embedder.texts(dataset, query_ids, texts, role="query")
    return Encoded(embedder.model, queries, pages)


@dataclass(frozen=True)
class Search:
    """Per query the best pages (``(Q, k)`` indices, ``-1``: no page) and what it took.

    Attributes:
        seconds: wall time of the whole search.
        per_query: each query's own search time (per-query searches only).
        token_dot_products: token-level dot products computed (late interaction; 0 dense).
    """

    indices: NDArray[np.int64]
    seconds: float
    per_query: NDArray[np.float64] | None = None
    token_dot_products: int = 0


def exact_search(enc: Encoded, k: int, chunk_mb: float) -> Search:
    """Exact top-``k`` of every query at once (batched)."""
    start = time.perf_counter()
    indices, work = _exact(enc.queries, enc.pages, k, chunk_mb)
    return Search(indices, time.perf_counter() - start, None, work)


def exact_each(enc: Encoded, k: int, chunk_mb: float) -> Search:
    """Exact top-``k``, each query searched and timed alone."""
    rows, times, work = [], [], 0
    for q in range(enc.n_queries):
        start = time.perf_counter()
        one, count = _exact(_row(enc.queries, q), enc.pages, k, chunk_mb)
        times.append(time.perf_counter() - start)
        rows.append(one)
        work += count
    per_query = np.asarray(times, dtype=np.float64)
    return Search(np.vstack(rows), float(per_query.sum()), per_query, work)


def rerank_each(enc: Encoded, candidates: NDArray[np.int64], k: int) -> Search:
    """Exact MaxSim top-``k`` of each query among its ``candidates`` row, timed per query."""
    if not isinstance(enc.queries, MultiVectors) or not isinstance(enc.pages, MultiVectors):
        raise ConfigError(f"reranking needs a late-interaction model; {enc.model} is dense")
    rows, times, work = [], [], 0
    for q in range(enc.n_queries):
        start = time.perf_counter()
        one = rerank(enc.queries.slice(q, q + 1), enc.pages, candidates[q : q + 1], k)
        times.append(time.perf_counter() - start)
        rows.append(one.indices)
        work += one.token_dot_products
    per_query = np.asarray(times, dtype=np.float64)
    return Search(np.vstack(rows), float(per_query.sum()), per_query, work)


@dataclass(frozen=True)
class MuveraSearch:
    """A MUVERA search and its costs: FDE dimension, page-FDE encoding time (indexing) and
    FDE inner products (``Q x N`` of ``fde_dim`` multiply-adds each)."""

    search: Search
    fde_dim: int
    index_seconds: float
    fde_dot_products: int


def muvera_search(enc: Encoded, settings: MuveraSettings, candidates: int, k: int) -> MuveraSearch:
    """MUVERA top ``candidates`` per query, exact MaxSim rerank to ``k`` (module docstring)."""
    if not isinstance(enc.queries, MultiVectors) or not isinstance(enc.pages, MultiVectors):
        raise ConfigError(f"MUVERA needs a late-interaction model; {enc.model} is dense")
    muvera = Muvera.create(settings, enc.pages.dim)
    start = time.perf_counter()
    page_fdes = muvera.encode_documents(enc.pages)
    index_seconds = time.perf_counter() - start
    start = time.perf_counter()
    found = muvera_topk(enc.queries, enc.pages, k, candidates, muvera, page_fdes)
    search = Search(found.indices, time.perf_counter() - start, None, found.token_dot_products)
    return MuveraSearch(search, found.fde_dim, index_seconds, found.fde_dot_products)


def _mean_tokens(vectors: Vectors) -> float:
    return float(vectors.counts.mean()) if isinstance(vectors, MultiVectors) else 1.0


def _row(vectors: Vectors, q: int) -> Vectors:
    return vectors.slice(q, q + 1) if isinstance(vectors, MultiVectors) else vectors[q : q + 1]


def _exact(
    queries: Vectors, pages: Vectors, k: int, chunk_mb: float
) -> tuple[NDArray[np.int64], int]:
    """Exact top-``k`` indices and token dot products of ``queries`` against ``pages``."""
    if isinstance(queries, MultiVectors) and isinstance(pages, MultiVectors):
        found = exact_topk(queries, pages, k, chunk_mb)
        return found.indices, found.token_dot_products
    if isinstance(queries, MultiVectors) or isinstance(pages, MultiVectors):
        raise ConfigError("queries and pages must both be dense or both multi-vector")
    return dense_topk(queries, pages, k, chunk_mb=chunk_mb).indices, 0
