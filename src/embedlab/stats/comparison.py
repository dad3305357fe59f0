"""Pairwise significance of several systems on the same queries (one table of results).

Input: per-query values of ``k`` systems aligned by query, and each query's cluster (the
independent resampling unit). Every metric here is a mean of per-query values, higher is better
(hit@K, reciprocal rank, pair-choice correctness). For each pair (A, B), A first in system order:
``difference`` ``Δ = mean(a) - mean(b)`` (fractions); ``ci_low/ci_high``, the percentile CI of Δ
from the paired (cluster) bootstrap; ``p_bootstrap`` (shifted-null paired bootstrap) and
``p_permutation`` (sign-flip), see :mod:`embedlab.stats.paired`; ``*_holm``, Holm-adjusted
p-values whose **family** is the ``k(k-1)/2`` pairs of one (task, protocol, metric) table, each
test corrected separately (no correction across metrics, tasks or protocols); ``significant``:
the Holm-adjusted p of the chosen test is ``<= alpha``, and then the higher-scoring system is
"better than" the other; ``wins/ties/losses`` per query (A better/equal/worse, exact);
``p_mcnemar``, the exact McNemar p of binary metrics, raw and informational only (it ignores
clusters). Each test has its own generator seeded with ``(seed, hash of
task|protocol|metric|A|B|test)``: results do not depend on which other pairs were compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from embedlab.results.systems import SystemInfo
from embedlab.stats.bootstrap import bootstrap_ci
from embedlab.stats.discordance import mcnemar_exact, win_tie_loss
from embedlab.stats.multiple_testing import holm
from embedlab.stats.paired import paired_bootstrap_test, permutation_test

TestName = Literal["permutation", "bootstrap"]
FloatArray = NDArray[np.float64]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CompareSettings(_Frozen):
    """How the systems are compared (the CLI flags of ``embedlab compare``)."""

    test: TestName = "permutation"
    alpha: float = 0.05
    resamples: int = 1000
    seed: int = 0
    level: float = 0.95
    correction: str = "holm"


class SystemScore(_Frozen):
    """One system's value of the metric, its CI and whom it significantly beats.

    ``ci_source`` is ``"run"`` when the interval is the one stored in the run's MetricRow,
    ``"computed"`` when it was bootstrapped here (same clusters, ``settings.resamples``).
    """

    label: str
    letter: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    ci_source: Literal["run", "computed"] | None = None
    better_than: list[str] = []


class PairResult(_Frozen):
    """System ``a`` against system ``b`` (see the module docstring for every field)."""

    a: str
    b: str
    difference: float
    ci_low: float | None
    ci_high: float | None
    p_bootstrap: float
    p_permutation: float
    p_bootstrap_holm: float
    p_permutation_holm: float
    p_mcnemar: float | None
    wins: int
    ties: int
    losses: int
    significant: bool


class MetricComparison(_Frozen):
    """All systems and all pairs on one (task, protocol, metric): one Holm family."""

    task: str
    protocol: str
    metric: str
    n_queries: int
    n_clusters: int
    systems: list[SystemScore]
    pairs: list[PairResult]


def compare_table(
    values: Sequence[FloatArray],
    clusters: Sequence[str],
    systems: Sequence[tuple[str, str]],
    stored_ci: Sequence[tuple[float, float] | None],
    identity: str,
    settings: CompareSettings,
) -> tuple[list[SystemScore], list[PairResult]]:
    """Scores and pairwise tests of ``k`` systems on aligned per-query ``values``.

    Args:
        values: one 1-D array per system, aligned by query.
        clusters: cluster label of each query (queries of one cluster are resampled together).
        systems: ``(label, letter)`` of each system.
        stored_ci: the run's stored ``(ci_low, ci_high)`` per system, or ``None``.
        identity: ``task|protocol|metric``, used to seed the generators.
        settings: test, alpha, resamples, seed and CI level.
    """
    _, codes = np.unique(np.asarray(clusters, dtype=str), return_inverse=True)
    units = None if int(codes.max(initial=-1)) + 1 == len(codes) else codes.reshape(-1)
    index = [(i, j) for i in range(len(values)) for j in range(i + 1, len(values))]
    raw = [
        _pair(values[i], values[j], units, systems[i][0], systems[j][0], identity, settings)
        for i, j in index
    ]
    adj_boot = holm([r.p_bootstrap for r in raw])
    adj_perm = holm([r.p_permutation for r in raw])
    better: list[list[str]] = [[] for _ in values]
    pairs = []
    for (i, j), pair, pb, pp in zip(index, raw, adj_boot, adj_perm, strict=True):
        chosen = pp if settings.test == "permutation" else pb
        significant = bool(chosen <= settings.alpha) and pair.difference != 0.0
        if significant:
            winner, loser = (i, j) if pair.difference > 0 else (j, i)
            better[winner].append(systems[loser][1])
        holm_p = {"p_bootstrap_holm": float(pb), "p_permutation_holm": float(pp)}
        pairs.append(pair.model_copy(update={**holm_p, "significant": significant}))
    scores = []
    for v, (label, letter), stored, wins in zip(values, systems, stored_ci, better, strict=True):
        low, high, source = _interval(v, units, stored, f"{identity}|{label}", settings)
        scores.append(
            SystemScore(label=label, letter=letter, value=float(np.mean(v)), ci_low=low,
                        ci_high=high, ci_source=source, better_than=sorted(wins))
        )
    return scores, pairs


def _pair(
    a: FloatArray,
    b: FloatArray,
    units: NDArray[np.intp] | None,
    label_a: str,
    label_b: str,
    identity: str,
    settings: CompareSettings,
) -> PairResult:
    """Both tests, W/T/L and McNemar; Holm fields are filled in by the caller."""
    seed_id = f"{identity}|{label_a}|{label_b}"
    boot = paired_bootstrap_test(a, b, clusters=units, n_resamples=settings.resamples,
                                 level=settings.level,
                                 seed_or_rng=_rng(settings.seed, seed_id + "|bootstrap"))
    perm = permutation_test(a, b, clusters=units, n_resamples=settings.resamples,
                            seed_or_rng=_rng(settings.seed, seed_id + "|permutation"))
    wtl = win_tie_loss(a, b)
    binary = bool(np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all())
    ci = boot.ci if boot.ci is not None and boot.ci.defined else None
    return PairResult(
        a=label_a,
        b=label_b,
        difference=boot.difference,
        ci_low=None if ci is None else ci.low,
        ci_high=None if ci is None else ci.high,
        p_bootstrap=boot.p_value,
        p_permutation=perm.p_value,
        p_bootstrap_holm=boot.p_value,
        p_permutation_holm=perm.p_value,
        p_mcnemar=mcnemar_exact(a, b).p_value if binary else None,
        wins=wtl.wins,
        ties=wtl.ties,
        losses=wtl.losses,
        significant=False,
    )


def _interval(
    values: FloatArray,
    units: NDArray[np.intp] | None,
    stored: tuple[float, float] | None,
    identity: str,
    settings: CompareSettings,
) -> tuple[float | None, float | None, Literal["run", "computed"] | None]:
    """The run's stored interval, else a (cluster) bootstrap one; ``None`` when undefined."""
    if stored is not None:
        return stored[0], stored[1], "run"
    ci = bootstrap_ci(values, clusters=units, n_resamples=settings.resamples,
                      level=settings.level, seed_or_rng=_rng(settings.seed, identity))
    return (ci.low, ci.high, "computed") if ci.defined else (None, None, None)


def _rng(seed: int, identity: str) -> np.random.Generator:
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]
    return np.random.default_rng([seed, int(digest, 16)])


class Comparison(_Frozen):
    """The result of ``compare``: one :class:`MetricComparison` per compared table."""

    systems: list[SystemInfo]
    settings: CompareSettings
    results: list[MetricComparison]
    skipped: list[str] = []
