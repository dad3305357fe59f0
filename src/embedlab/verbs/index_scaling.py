"""Scaling: the same configurations on synthetic corpora of N vectors like the run's.

**Synthetic corpus** (per model, from the largest corpus ``X`` (``n0 x D``) of its problems):
mean ``mu``, and the top ``r = min(64, n0 - 1, D)`` principal directions ``V_r`` with standard
deviations ``sigma_i = s_i / sqrt(n0 - 1)`` (``s_i`` singular values of ``X - mu``); the rest
of the variance is spread evenly, ``tau^2 = (total variance - sum sigma_i^2) / D``. A vector is
``x = mu + (z * sigma) V_r + tau * e`` with ``z ~ N(0, I_r)``, ``e ~ N(0, I_D)``, then scaled to
unit L2 norm. The generator is ``numpy.random.default_rng([seed, N])`` (the run's seed), so a
corpus is the same for every configuration and every re-run. Queries are the run's own query
vectors (at most :data:`MAX_QUERIES`). No end-task metric exists on synthetic data: rows are
``recall_vs_exact`` and the costs of :mod:`embedlab.verbs.index_rows`, with ``scale_n = N``.

**Fits** (``build_time`` and ``latency_p99`` of each configuration over the N measured, when
there are at least two): the power law ``y = c * N^b``, by least squares on
``log y = log c + b log N``; ``R^2`` is that regression's, in log space. The row's ``value`` is
``b``; ``details`` holds ``c``, ``b``, ``r2``, the points and the form.

Sizes whose data or index would not fit in RAM are skipped with a note. Default sizes:
:data:`DEFAULT_SCALES` (a default study stays within a few minutes on 2 cores; pass
``--scale 100000 --scale 1000000`` for the issue's sizes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError
from embedlab.indexes.base import IndexConfig, IndexOptions
from embedlab.indexes.create import create_index
from embedlab.indexes.memory import check_memory
from embedlab.results.schema import IndexRow
from embedlab.verbs.index_inputs import ModelProblems
from embedlab.verbs.index_measure import Measured, measure, timed_build
from embedlab.verbs.index_plan import EXACT, check_fits, plan_configs
from embedlab.verbs.index_quality import matryoshka, recall_vs_exact
from embedlab.verbs.index_rows import RowKey, cost_rows, recall_rows

if TYPE_CHECKING:
    from embedlab.verbs.index_study import IndexStudyConfig

DEFAULT_SCALES = (2_000, 5_000, 10_000)
MAX_QUERIES = 1_000
RANK = 64
FITTED = ("build_time", "latency_p99")


def synthetic_corpus(corpus: NDArray[np.float32], n: int, seed: int) -> NDArray[np.float32]:
    """``n`` unit vectors following ``corpus``'s distribution (module docstring)."""
    x = np.asarray(corpus, dtype=np.float64)
    n0, dim = x.shape
    mu = x.mean(axis=0)
    centred = x - mu
    r = max(1, min(RANK, n0 - 1, dim))
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    sigma = s[:r] / np.sqrt(max(n0 - 1, 1))
    total = float((centred**2).sum() / max(n0 - 1, 1))
    tau = np.sqrt(max(total - float((sigma**2).sum()), 0.0) / dim)
    rng = np.random.default_rng([seed, n])
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, 65_536):
        m = min(65_536, n - lo)
        block = (
            mu
            + (rng.standard_normal((m, r)) * sigma) @ vt[:r]
            + tau * rng.standard_normal((m, dim))
        )
        out[lo : lo + m] = block / np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
    return out


@dataclass(frozen=True)
class Fit:
    """``y = c * N^b`` fitted in log-log space, with that regression's ``r2``."""

    c: float
    b: float
    r2: float


def power_fit(ns: Sequence[float], ys: Sequence[float]) -> Fit:
    """Least squares of ``log y = log c + b log N`` (needs >= 2 distinct N, all y > 0)."""
    lx, ly = np.log(np.asarray(ns, dtype=np.float64)), np.log(np.asarray(ys, dtype=np.float64))
    if len(set(lx.tolist())) < 2:
        raise ConfigError("a scaling fit needs at least two different corpus sizes")
    b, a = np.polyfit(lx, ly, 1)
    residual = float(((ly - (a + b * lx)) ** 2).sum())
    spread = float(((ly - ly.mean()) ** 2).sum())
    return Fit(float(np.exp(a)), float(b), 1.0 - residual / spread if spread > 0 else 1.0)


def scaling_rows(
    config: IndexStudyConfig,
    items: list[ModelProblems],
    say: Callable[[str], None],
    notes: list[str],
    seed: int = 0,
) -> list[IndexRow]:
    """Rows of the scaling study for every model of the run (module docstring)."""
    rows: list[IndexRow] = []
    seen: set[str] = set()
    for item in items:
        if item.model in seen or not item.problems:
            continue
        seen.add(item.model)
        problem = max(item.problems, key=lambda p: p.corpus.shape[0])
        queries = problem.queries[:MAX_QUERIES]
        for n in sorted(set(config.scales)):
            say(f"scaling: {item.model} on {n:,} synthetic vectors")
            dim = problem.corpus.shape[1]
            groups = plan_configs(config.indexes, config.dims, config.backend, n, dim, notes)
            try:
                check_fits(groups, n, dim)
                check_memory(IndexConfig.of(EXACT), 2 * n, dim)  # the data + exact reference
            except ConfigError as exc:
                notes.append(f"scaling: {item.model} at N={n:,} skipped: {exc}")
                continue
            data = synthetic_corpus(problem.corpus, n, seed)
            rows += _one_size(config, item, problem.protocol, data, queries, groups)
    return rows + fit_rows(rows)


def _one_size(
    config: IndexStudyConfig,
    item: ModelProblems,
    protocol: str,
    data: NDArray[np.float32],
    queries: NDArray[np.float32],
    groups: list[list[IndexConfig]],
) -> list[IndexRow]:
    n, dim = data.shape
    key = RowKey(item.model, item.task, f"{protocol} (synthetic)", dim, scale_n=n)
    depth = max(config.ks)
    reference: dict[int | None, Measured] = {}
    rows: list[IndexRow] = []
    for group in groups:
        index = create_index(group[0], IndexOptions(threads=config.threads))
        try:
            seconds = timed_build(index, data)
            for cfg in group:
                got = measure(index, cfg, queries, depth, seconds, config.latency_queries)
                if cfg.backend == EXACT:
                    reference.setdefault(cfg.dim, got)
                t = matryoshka(cfg.dim)
                ref = reference[cfg.dim].scores
                recalls = {
                    k: recall_vs_exact(got.ids, t(queries), t(data), ref, k).tolist()
                    for k in config.ks
                }
                rows += recall_rows(key, got, recalls) + cost_rows(key, got, len(queries))
        finally:
            index.close()
    return rows


def fit_rows(rows: list[IndexRow]) -> list[IndexRow]:
    """Power-law fits of build time and p99 latency over N, per (model, index)."""
    series: dict[tuple[str, str, str], list[IndexRow]] = {}
    for row in rows:
        if row.scale_n is not None and row.metric in FITTED and row.value > 0:
            series.setdefault((row.model, row.index, row.metric), []).append(row)
    out = []
    for (_, _, metric), points in series.items():
        ns = [float(p.scale_n or 0) for p in points]
        if len(set(ns)) < 2:
            continue
        fit = power_fit(ns, [p.value for p in points])
        first = points[0]
        out.append(
            first.model_copy(
                update={
                    "metric": f"{metric}_fit_exponent",
                    "value": fit.b,
                    "unit": "",
                    "n": len(ns),
                    "scale_n": None,
                    "source": "fit",
                    "unstable": None,
                    "unstable_reason": None,
                    "details": {
                        "form": "y = c * N^b, least squares of log y on log N",
                        "c": fit.c,
                        "b": fit.b,
                        "r2": fit.r2,
                        "unit": first.unit,
                        "points": [[p.scale_n, p.value] for p in points],
                    },
                }
            )
        )
    return out
