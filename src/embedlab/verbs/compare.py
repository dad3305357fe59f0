"""``compare``: which differences between models are real? Paired tests on saved outcomes.

A *system* is one model of one run folder (a run may hold several models; see
:mod:`embedlab.results.systems` for labels and letters). For every (task, protocol, metric)
present in all systems, the per-query values are rebuilt from the outcome files
(:mod:`embedlab.metrics.table`, the same entries the tasks used), aligned by query id, and
compared pairwise by
:func:`embedlab.stats.comparison.compare_table`, whose docstring defines every number (the Holm
family is the pairs of one table). Runs made on different data (other dataset fingerprints, or
other query ids or clusters) are refused; fingerprints hash content (texts, image bytes, qrels,
labels: :mod:`embedlab.data.content`), and runs recorded with the older id-only fingerprints are
refused as unverifiable (:func:`embedlab.results.systems.check_same_data`). Nothing is
re-encoded and nothing is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embedlab.errors import ConfigError, ResultsError
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.systems import (
    System,
    SystemInfo,
    align,
    check_same_data,
    common_tasks,
    load_systems,
    read_tables,
    stored_interval,
)
from embedlab.stats.comparison import (
    CompareSettings,
    Comparison,
    MetricComparison,
    TestName,
    compare_table,
)

__all__ = ["Comparison", "SystemInfo", "compare"]


def compare(
    runs: Sequence[Path | str],
    metrics: Sequence[str] = ("recall@1",),
    *,
    tasks: Sequence[str] = (),
    protocols: Sequence[str] = (),
    resamples: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    test: TestName = "permutation",
    level: float = 0.95,
) -> Comparison:
    """Compare every pair of systems found in ``runs`` on the same queries.

    Args:
        runs: run folders (or their ``results.json``); together at least two systems.
        metrics: ``recall@K``/``accuracy@K``/``hit@K`` (``rank <= K``) and ``mrr`` (``1/rank``)
            from a ``rank`` column, or the name of a 0/1 (or [0, 1]) outcome column such as
            ``correct``, ``text``, ``image``, ``group``. ``median_rank`` is refused: it is not a
            mean of per-query values, which is what the paired tests compare.
        tasks: only these tasks (default: every task present in all systems).
        protocols: only these protocols (default: every protocol present in all systems).
        resamples: resamples ``B`` of the bootstrap and of the sign-flip test.
        seed: seed of every generator (each test derives its own, see metrics.compare).
        alpha: significance level applied to the Holm-adjusted p of ``test``.
        test: ``"permutation"`` (cluster sign-flip) or ``"bootstrap"`` (paired bootstrap).
        level: level of the confidence intervals computed here.

    Returns:
        The :class:`Comparison` (values are fractions).

    Raises:
        ConfigError: a bad setting or metric, fewer than two systems.
        ResultsError: unreadable runs, runs on different data (or whose data cannot be
            verified: id-only fingerprints of older runs), or nothing in common.
    """
    settings = _settings(metrics, test, alpha, resamples, seed, level)
    systems = load_systems(runs)
    results: list[MetricComparison] = []
    skipped: list[str] = []
    columns_seen: set[str] = set()
    for task in common_tasks(systems, tasks):
        check_same_data(systems, task)
        tables = [read_tables(s, task) for s in systems]
        for protocol in [p for p in tables[0] if all(p in t for t in tables)]:
            if protocols and protocol not in protocols:
                continue
            raw = [t[protocol] for t in tables]
            columns_seen.update(*(o.values for o in raw))
            usable = []
            for metric in metrics:
                have = [METRICS.derivable(metric, o.values) for o in raw]
                if all(have):
                    usable.append(metric)
                elif any(have):
                    lacking = ", ".join(systems[i].info.label for i, h in enumerate(have) if not h)
                    skipped.append(f"{metric} on {task}/{protocol}: not in {lacking}")
            if usable:  # tables no metric needs (e.g. zeroshot-prompts) are never aligned
                results.extend(_table(systems, task, protocol, raw, usable, settings))
    _check_found(results, metrics, protocols, columns_seen)
    return Comparison(
        systems=[s.info for s in systems], settings=settings, results=results, skipped=skipped
    )


def _table(
    systems: Sequence[System],
    task: str,
    protocol: str,
    tables: Sequence[Outcomes],
    metrics: Sequence[str],
    settings: CompareSettings,
) -> list[MetricComparison]:
    """Align one (task, protocol) by query id and compare every metric on it."""
    where = f"task {task!r} protocol {protocol!r}"
    clusters, columns = align(systems, tables, where)
    names = [(s.info.label, s.info.letter) for s in systems]
    out = []
    for metric in metrics:
        values = [METRICS.per_query(metric, c, where) for c in columns]
        key = (task, protocol, metric, len(clusters), settings.level)
        stored = [stored_interval(s, *key) for s in systems]
        identity = f"{task}|{protocol}|{metric}"
        present = [v for v in values if v is not None]
        scores, pairs = compare_table(present, clusters, names, stored, identity, settings)
        out.append(
            MetricComparison(
                task=task,
                protocol=protocol,
                metric=metric,
                n_queries=len(clusters),
                n_clusters=len(set(clusters)),
                systems=scores,
                pairs=pairs,
            )
        )
    return out


def _settings(
    metrics: Sequence[str], test: TestName, alpha: float, resamples: int, seed: int, level: float
) -> CompareSettings:
    if not metrics:
        raise ConfigError("give at least one --metric, e.g. --metric recall@1")
    for metric in metrics:
        entry = METRICS.known(metric)
        if metric == "rank" or (entry is not None and not entry.comparable):
            raise ConfigError(
                f"--metric {metric} cannot be compared: the paired tests compare means of "
                "per-query values and a rank is lower-is-better; use recall@K or mrr instead"
            )
    if test not in ("permutation", "bootstrap"):
        raise ConfigError(f"--test must be 'permutation' or 'bootstrap', got {test!r}")
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"--alpha must lie in (0, 1), e.g. 0.05; got {alpha}")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise ConfigError(f"--resamples must be a positive integer, got {resamples!r}")
    if seed < 0:
        raise ConfigError(f"--seed must be >= 0, got {seed}")
    if not 0.0 < level < 1.0:
        raise ConfigError(f"level must lie in (0, 1), e.g. 0.95; got {level}")
    return CompareSettings(test=test, alpha=alpha, resamples=resamples, seed=seed, level=level)


def _check_found(
    results: list[MetricComparison],
    metrics: Sequence[str],
    protocols: Sequence[str],
    columns: set[str],
) -> None:
    """Refuse an empty comparison, or a --metric that no compared table could provide."""
    if not columns:
        wanted = f" of --protocol {', '.join(protocols)}" if protocols else ""
        raise ResultsError(f"the systems share no outcome table{wanted}; nothing to compare")
    found = {r.metric for r in results}
    available = ", ".join(sorted(columns - {"rank"})) or "none"
    table = ", ".join(e.name for e in METRICS.entries() if e.comparable)
    for metric in metrics:
        if metric not in found:
            raise ConfigError(
                f"--metric {metric} cannot be computed from the outcomes of every system; "
                f"metrics: {table} (where their columns exist), or an outcome column "
                f"({available})"
            )
