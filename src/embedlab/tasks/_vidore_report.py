"""What the ``vidore`` task states beside its metric rows: one note line and the same figures as
values (dataset details ``search``) for MUVERA and for two-stage retrieval.

Figures:

- bytes per page: float32 storage (:meth:`embedlab.tasks._late_stages.Encoded.page_bytes`);
  an FDE takes ``4 * fde_dim``; a two-stage system stores both models' pages.
- work: token dot products (``D`` multiply-adds each) relative to the exact search's
  ``sum_q m_q * sum_d n_d``; MUVERA also pays ``Q x N`` FDE inner products of ``fde_dim``
  multiply-adds, counted in ``multiply_adds_vs_exact = (tok * D + fde * fde_dim) / (exact * D)``.
- time: wall time of each search over all queries (MUVERA: page FDEs encoded once, stated
  apart as an indexing cost); two-stage: the median over queries of each query's own search
  time (first stage + rerank for the pipeline). Embeddings are precomputed and never timed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedlab.scoring.muvera import MuveraSettings
from embedlab.tasks._late_stages import Encoded, MuveraSearch, Search


@dataclass
class Report:
    """Note lines and JSON-ready values of one task run."""

    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def muvera_report(
    enc: Encoded, settings: MuveraSettings, candidates: int, exact: Search, found: MuveraSearch
) -> tuple[str, dict[str, Any]]:
    """The MUVERA note and values (module docstring)."""
    dim = enc.dim
    fde_bytes, mv_bytes = 4 * found.fde_dim, enc.page_bytes()
    token_ratio = found.search.token_dot_products / max(exact.token_dot_products, 1)
    madds = found.search.token_dot_products * dim + found.fde_dot_products * found.fde_dim
    madds_ratio = madds / max(exact.token_dot_products * dim, 1)
    values = {
        "settings": settings.label(),
        "seed": settings.seed,
        "candidates": candidates,
        "fde_dim": found.fde_dim,
        "fde_bytes_per_page": fde_bytes,
        "multivector_bytes_per_page": mv_bytes,
        "token_dot_products_exact": exact.token_dot_products,
        "token_dot_products_muvera": found.search.token_dot_products,
        "token_work_vs_exact": token_ratio,
        "fde_dot_products": found.fde_dot_products,
        "multiply_adds_vs_exact": madds_ratio,
        "seconds_exact": exact.seconds,
        "seconds_muvera": found.search.seconds,
        "seconds_page_fdes": found.index_seconds,
    }
    note = (
        f"muvera ({settings.label()}, seed {settings.seed}): top K={candidates} pages by FDE "
        f"inner product, then exact MaxSim; FDE {found.fde_dim:,} dims = {fde_bytes:,} B/page vs "
        f"multi-vector {mv_bytes:,.0f} B/page (FDE = {fde_bytes / mv_bytes:.3g}x); token dot "
        f"products {token_ratio:.1%} of exact (all multiply-adds incl. FDE inner products: "
        f"{madds_ratio:.1%}); search wall time for {enc.n_queries} queries: exact "
        f"{exact.seconds:.3f} s, muvera {found.search.seconds:.3f} s (+{found.index_seconds:.3f} s "
        "encoding page FDEs, an indexing cost)"
    )
    return note, values


def two_stage_report(
    first: Encoded, second: Encoded, candidates: int, alone_first: Search, alone_second: Search,
    both: Search,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """The two-stage note and values (module docstring)."""
    latency = {
        "first-stage": _median_ms(alone_first),
        "reranker": _median_ms(alone_second),
        "two-stage": _median_ms(alone_first, both),
    }
    storage = {
        "first-stage": first.page_bytes(),
        "reranker": second.page_bytes(),
        "two-stage": first.page_bytes() + second.page_bytes(),
    }
    work = both.token_dot_products / max(alone_second.token_dot_products, 1)
    values = {
        "first_stage": first.model,
        "reranker": second.model,
        "candidates": candidates,
        "median_query_ms": latency,
        "bytes_per_page": storage,
        "rerank_token_work_vs_reranker_exact": work,
    }
    note = (
        f"two-stage: {first.model} top K={candidates} -> {second.model} MaxSim rerank; median "
        "per-query search latency (embeddings precomputed): "
        + ", ".join(f"{name} {ms:.2f} ms" for name, ms in latency.items())
        + "; storage per page: "
        + ", ".join(f"{name} {b:,.0f} B" for name, b in storage.items())
        + f"; rerank token dot products {work:.1%} of the reranker's exact search"
    )
    return note, values


def _median_ms(*searches: Search) -> float:
    """Median over queries of the summed per-query times of ``searches``, in milliseconds."""
    total = sum(s.per_query for s in searches if s.per_query is not None)
    return float(np.median(total)) * 1e3 if isinstance(total, np.ndarray) else float("nan")
