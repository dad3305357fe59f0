"""Turn a task's metric values into RunLog rows with bootstrap confidence intervals.

Each metric is a statistic (mean or median) of a per-query array; its interval is the percentile
bootstrap over the independent units (clusters when the task gives them, e.g. images for caption
queries). Each metric gets its own generator seeded from ``(seed, sha256 of its identity)``, so
a row's interval does not depend on which other metrics were computed, and runs are
bit-for-bit reproducible for a fixed seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from embedlab.core.values import MetricValue
from embedlab.results.schema import MetricRow
from embedlab.stats.bootstrap import bootstrap_ci


def metric_rows(
    values: Sequence[MetricValue],
    *,
    model: str,
    runtime: str,
    precision: str,
    task: str,
    dataset: str,
    n_resamples: int,
    level: float,
    seed: int,
) -> list[MetricRow]:
    """RunLog rows for ``values``; intervals are skipped when ``n_resamples`` is 0."""
    rows = []
    for v in values:
        low = high = method = None
        if n_resamples > 0 and v.per_query is not None and v.n > 0:
            identity = f"{model}|{task}|{v.protocol}|{v.metric}|{v.k}"
            rng = np.random.default_rng([seed, _stable_int(identity)])
            ci = bootstrap_ci(
                v.per_query,
                clusters=v.clusters,
                statistic=v.statistic,
                n_resamples=n_resamples,
                level=level,
                seed_or_rng=rng,
            )
            if ci.defined:  # a single resampling unit has no interval
                low, high, method = float(ci.low), float(ci.high), ci.method
        rows.append(
            MetricRow(
                model=model,
                runtime=runtime,
                precision=precision,
                task=task,
                dataset=dataset,
                protocol=v.protocol,
                metric=v.metric,
                k=v.k,
                value=float(v.value),
                n=v.n,
                ci_low=low,
                ci_high=high,
                ci_method=method,
            )
        )
    return rows


def _stable_int(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16)
