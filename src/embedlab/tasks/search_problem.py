"""What a retrieval-type task hands an index study: its "search problems", one per protocol.

A :class:`SearchProblem` is a query set searched against a corpus, with everything needed to
score a result list the way the task scores its own exact ranking: the per-query outcome
columns of exact search (computed by the task's own code, :mod:`embedlab.scoring`), the
outcome columns of an index's top-k lists, the run's metric names, which of them a top-k list
determines, and the resampling clusters. Tasks that can hand problems over implement
:class:`SearchProblemSource`; pair-choice and zero-shot tasks do not.

``transform`` (Matryoshka truncation in the study) is applied to both sides before scoring, so
the exact columns of the identity transform are the run's own outcomes.

Label matching (:func:`topk_ranks`): query ``q`` has label ``ql[q]``, corpus item ``d`` label
``cl[d]``; ``d`` is a positive of ``q`` iff ``cl[d] == ql[q]``. From a top-k list (scores
``s_1..s_k`` as returned) the pessimistic rank of the best positive is
``#{i <= k : s_i >= s*}`` with ``s*`` the best returned positive's score (ties count against
it, as in :mod:`embedlab.scoring.retrieval`); no positive in the list: rank ``k + 1``
("beyond k", exact for ``recall@K`` with ``K <= k``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab.tasks.base import TaskContext

Vectors = NDArray[np.float32]
Transform = Callable[[Vectors], Vectors]
Columns = Mapping[str, NDArray[Any]]


@dataclass(frozen=True)
class SearchProblem:
    """One protocol of a task as a search problem (see the module docstring).

    Attributes:
        protocol: the task's protocol name (``t2i``, ``q2d``...).
        queries: ``(Q, D)`` query embeddings (the run's cached vectors).
        corpus: ``(N, D)`` corpus embeddings.
        query_ids: ids of the queries (outcome rows).
        cluster_ids: resampling unit of each query (outcome rows).
        clusters: the same as integer codes, for the bootstrap.
        metrics: the run's metric names of this protocol, in row order.
        topk_metrics: those a top-``depth`` list determines exactly.
        depth: the list length the top-k metrics need.
        exact_columns: ``transform -> columns`` of exact search (the task's own scoring).
        topk_columns: ``(indices, scores) -> columns`` from ``(Q, k)`` top-k lists
            (index ``-1``: no item at that position).
    """

    protocol: str
    queries: Vectors
    corpus: Vectors
    query_ids: list[str]
    cluster_ids: list[str]
    clusters: NDArray[np.int64]
    metrics: tuple[str, ...]
    topk_metrics: tuple[str, ...]
    depth: int
    exact_columns: Callable[[Transform], Columns]
    topk_columns: Callable[[NDArray[np.int64], NDArray[np.float32]], Columns]


@runtime_checkable
class SearchProblemSource(Protocol):
    """A task that can describe its protocols as :class:`SearchProblem` s."""

    def search_problems(self, ctx: TaskContext) -> list[SearchProblem]: ...


def topk_ranks(
    indices: NDArray[np.int64],
    scores: NDArray[np.float32],
    query_label: NDArray[np.int64],
    corpus_label: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Pessimistic rank of the best positive within each top-k list, ``k + 1`` if absent."""
    idx = np.asarray(indices, dtype=np.int64)
    sc = np.asarray(scores, dtype=np.float32)
    k = idx.shape[1]
    labels = np.where(idx >= 0, corpus_label[np.maximum(idx, 0)], -1)
    positive = (labels == query_label[:, None]) & (idx >= 0)
    best = np.where(positive, sc, -np.inf).max(axis=1, initial=-np.inf)
    counted = ((sc >= best[:, None]) & (idx >= 0)).sum(axis=1)
    ranks: NDArray[np.int64] = np.where(positive.any(axis=1), counted, k + 1).astype(np.int64)
    return ranks


def identity(vectors: Vectors) -> Vectors:
    """The identity transform (full-dimension vectors)."""
    return vectors
