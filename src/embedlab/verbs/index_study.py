"""``embedlab index``: a finished run's queries searched through index configurations.

For each (model, retrieval-type task, protocol) of the run (:mod:`embedlab.verbs.index_inputs`,
cached embeddings only; BEIR's exact search in this process or as Ray tasks with ``--executor
ray``, done first so no timing overlaps it) and each configuration
(:mod:`embedlab.verbs.index_plan`): build, search top-k, time
(:mod:`embedlab.verbs.index_measure`), score the lists with the run's own outcome columns and
metrics, CIs and a paired test against exact search
(:mod:`embedlab.verbs.index_quality`), then the scaling study on synthetic corpora
(:mod:`embedlab.verbs.index_scaling`). Rows (:class:`~embedlab.results.schema.IndexRow`) go to
``results.json`` (a RunLog) and ``index.csv``, published as one set under the ``--out`` lock;
the Pareto plots are written after the set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from embedlab._atomic import ensure_writable_dir
from embedlab.config.run import ray_flag_needs_ray
from embedlab.core.clock import embedlab_version, utc_now
from embedlab.core.progress import ProgressFactory, rich_progress
from embedlab.core.values import MetricValue
from embedlab.errors import ConfigError
from embedlab.indexes.base import IndexConfig, IndexOptions
from embedlab.indexes.create import create_index
from embedlab.indexes.spec import parse_index
from embedlab.metrics.table import METRICS
from embedlab.perf.environment import capture_environment
from embedlab.results.lock import output_lock
from embedlab.results.publish import publish_results
from embedlab.results.schema import IndexRow, RunLog
from embedlab.scoring.search_executor import SEARCH_KINDS
from embedlab.tasks.search_problem import Columns, SearchProblem
from embedlab.verbs.index_csv import index_csv
from embedlab.verbs.index_inputs import ModelProblems, run_problems
from embedlab.verbs.index_measure import Measured, measure, timed_build
from embedlab.verbs.index_plan import EXACT, check_fits, plan_configs
from embedlab.verbs.index_quality import (
    Stats,
    matryoshka,
    metric_values,
    quality_figures,
    recall_vs_exact,
)
from embedlab.verbs.index_rows import RowKey, cost_rows, quality_rows, recall_rows
from embedlab.verbs.index_scaling import DEFAULT_SCALES, scaling_rows
from embedlab.verbs.search_setting import search_setting

Notify = Callable[[str], None]
#: ``--backend`` values: the families with a default sweep.
FAMILIES = ("faiss", "lancedb")


class IndexStudyConfig(BaseModel):
    """Settings of one ``embedlab index`` (see its --help)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run: Path
    out: Path
    indexes: list[str] = []
    dims: list[int] = []
    backend: str = "faiss"
    ks: list[int] = Field(default=[10], min_length=1)
    scales: list[int] = list(DEFAULT_SCALES)
    cache_dir: Path | None = None
    threads: int | None = None
    latency_queries: int = Field(default=200, ge=1)
    progress: bool = True
    #: Overrides the run's ``--corpus-memory-mb`` (None: the run's setting).
    corpus_memory_mb: float | None = Field(default=None, gt=0)
    #: Where BEIR's exact top-k runs: ``local`` or ``ray`` (Ray tasks; same results).
    executor: str = "local"
    ray_address: str | None = None
    ray_cpus_per_task: float | None = Field(default=None, gt=0)

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, value: str) -> str:
        if value not in SEARCH_KINDS:
            raise ValueError(f"must be one of {', '.join(SEARCH_KINDS)}")
        return value

    @field_validator("ray_address", "ray_cpus_per_task")
    @classmethod
    def _ray_settings_need_ray(cls, value: Any, info: ValidationInfo) -> Any:
        return ray_flag_needs_ray(value, info, "study")


def index_study(config: IndexStudyConfig, notify: Notify | None = None) -> RunLog:
    """Run the study of ``config`` and publish it into ``config.out`` (module docstring)."""
    say = notify or (lambda message: None)
    started = utc_now()
    if config.out.resolve() == config.run.resolve():
        raise ConfigError(f"--out {config.out} is the run folder itself; choose another --out")
    if any(k < 1 for k in config.ks):
        raise ConfigError(f"--k {min(config.ks)}: must be a positive integer")
    for text in config.indexes:  # names and parameters are checked before any data is read
        parse_index(text)
    if config.backend not in FAMILIES:
        raise ConfigError(f"--backend {config.backend!r}: choose one of {', '.join(FAMILIES)}")
    search = search_setting(config.executor, config.ray_address, config.ray_cpus_per_task)
    source = run_problems(config.run, config.cache_dir, search, config.corpus_memory_mb)
    notes = list(source.notes)
    plans = []
    for item in source.items:
        for problem in item.problems:
            n, dim = problem.corpus.shape
            groups = plan_configs(config.indexes, config.dims, config.backend, n, dim, notes)
            check_fits(groups, n, dim)
            plans.append((item, problem, groups))
    ensure_writable_dir(config.out, "--out")
    stats = Stats(source.config.bootstrap, source.config.confidence, source.config.seed)
    rows: list[IndexRow] = []
    with output_lock(config.out, "embedlab index"):
        progress: ProgressFactory | None = rich_progress if config.progress else None
        total = sum(len(g) for _, _, groups in plans for g in groups)
        with _bar(progress, "index configurations", total) as advance:
            for item, problem, groups in plans:
                say(f"indexing {item.task} {problem.protocol} with {item.model}")
                rows += _study_problem(config, item, problem, groups, stats, advance)
        rows += scaling_rows(config, source.items, say, notes, stats.seed)
        notes += _not_computable(source.items)
        log = RunLog(
            embedlab_version=embedlab_version(),
            status="complete",
            started_at=started,
            finished_at=utc_now(),
            config=json.loads(config.model_dump_json()),
            environment={
                **capture_environment(),
                "run_config": source.config.model_dump(mode="json"),
            },
            index=rows,
            notes=notes,
        )
        publish_results(config.out, log, extra_texts={"index.csv": index_csv(rows)})
    return log


def _study_problem(
    config: IndexStudyConfig,
    item: ModelProblems,
    problem: SearchProblem,
    groups: list[list[IndexConfig]],
    stats: Stats,
    advance: Callable[[int], None],
) -> list[IndexRow]:
    depth = max(problem.depth, *config.ks)
    full_dim = problem.corpus.shape[1]
    # Exact search first, once per dim, so no timing below overlaps it (or Ray's workers).
    exact = {
        cfg.dim: problem.exact_columns(matryoshka(cfg.dim))
        for group in groups
        for cfg in group
        if cfg.backend == EXACT
    }
    reference: dict[int | None, Measured] = {}
    baseline: dict[str, MetricValue] = {}
    rows: list[IndexRow] = []
    for group in groups:
        where = (item.model, item.task, problem.protocol, group[0].build_key())
        index = create_index(group[0], _options(config, stats.seed, where))
        try:
            seconds = timed_build(index, problem.corpus)
            for cfg in group:
                got = measure(index, cfg, problem.queries, depth, seconds, config.latency_queries)
                if cfg.backend == EXACT:
                    reference.setdefault(cfg.dim, got)
                key = RowKey(item.model, item.task, problem.protocol, full_dim)
                ref = reference[cfg.dim]
                rows += _rows(key, problem, got, ref, exact, baseline, config, stats, depth)
                advance(1)
        finally:
            index.close()
    return rows


def _rows(
    key: RowKey,
    problem: SearchProblem,
    got: Measured,
    ref: Measured,
    exact: dict[int | None, Columns],
    baseline: dict[str, MetricValue],
    config: IndexStudyConfig,
    stats: Stats,
    depth: int,
) -> list[IndexRow]:
    cfg = got.config
    transform = matryoshka(cfg.dim)
    if cfg.backend == EXACT:
        columns = exact[cfg.dim]
        names = list(problem.metrics)
    else:
        columns = problem.topk_columns(got.ids, got.scores)
        names = [m for m in problem.topk_metrics if (_cutoff(m) or 0) <= depth]
    values = metric_values(problem, columns, names)
    is_baseline = cfg.backend == EXACT and cfg.dim is None
    if is_baseline:
        baseline.update({v.metric: v for v in values})
    figures = quality_figures(problem, values, baseline, (key.model, key.task), stats, is_baseline)
    q, c = transform(problem.queries), transform(problem.corpus)
    recalls = {k: recall_vs_exact(got.ids, q, c, ref.scores, k).tolist() for k in config.ks}
    return [
        *quality_rows(key, got, figures),
        *recall_rows(key, got, recalls),
        *cost_rows(key, got, len(problem.queries)),
    ]


def _cutoff(metric: str) -> int | None:
    entry = METRICS.known(metric)
    return None if entry is None else entry.match(metric)[1]


def _not_computable(items: list[ModelProblems]) -> list[str]:
    """One note per run metric a top-k list cannot determine."""
    missing = {
        (item.task, m)
        for item in items
        for p in item.problems
        for m in p.metrics
        if m not in p.topk_metrics
    }
    return [
        f"{task}: {metric} needs every item's rank, not computable through an index (reported "
        "for exact search only)"
        for task, metric in sorted(missing)
    ]


def _options(config: IndexStudyConfig, seed: int, where: tuple[str, ...]) -> IndexOptions:
    """Database backends write under ``<out>/indexes/<model>/<task>/<protocol>/<build>``."""
    safe = ["".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in part) for part in where]
    return IndexOptions(threads=config.threads, folder=config.out.joinpath("indexes", *safe),
                        seed=seed)  # fmt: skip


def _bar(
    progress: ProgressFactory | None, label: str, total: int
) -> AbstractContextManager[Callable[[int], None]]:
    if progress is None:
        return nullcontext(lambda n: None)
    return progress(label, total)
