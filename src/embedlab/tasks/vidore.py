"""Visual-document retrieval (task ``vidore``; ``docpages`` on the generated set): text queries
ranked against page images, graded qrels, with MUVERA and two-stage retrieval for
late-interaction models.

Protocol:

* Pages go through the image tower, queries through the text tower with role ``query``. A
  late-interaction model (``Embedder.late_interaction``) gives token matrices scored by
  ``MaxSim(q, d) = sum_t max_s <q_t, d_s>`` (the query is the summed side); a dense model one
  vector each, scored by the dot product. Only queries with text and a judged page of grade > 0
  are evaluated (:mod:`embedlab.tasks._beir_eval`, shared with ``beir``).
* Each query keeps its top 10 pages, by score descending, **ties by page id descending**
  (trec_eval's order, as ViDoRe's evaluator gets it through pytrec_eval): pages are put in
  descending id order before scoring, so every search's "lower index first" is that order.
* Metrics (:mod:`embedlab.metrics.ranking`, BEIR's definitions): ``ndcg@5`` (ViDoRe's main
  score), ``ndcg@10``, ``recall@1/5/10``, ``mrr@10``; each query its own resampling unit.

Rows (``protocol``):

* ``exact``: the model's exact search (no option).
* ``muvera`` (``-T muvera=true`` / ``--muvera``, late-interaction models only): beside
  ``exact``, the top ``muvera_candidates`` pages by FDE inner product reranked by exact MaxSim
  (:mod:`embedlab.scoring.muvera`, defaults R=20, k_sim=5, d_proj=16: 10,240 dims, the paper's
  setting), plus ``recovered@10`` (share of the exact top 10 found). Notes state K, FDE
  dimension, bytes per page (FDE vs multi-vector), token dot products relative to exact and
  wall time of both searches.
* ``first-stage`` / ``reranker`` / ``two-stage`` (``--rerank MODEL --candidates K``): the run's
  model alone, the late-interaction reranker alone (exact over all pages), and the reranker's
  exact MaxSim over the first stage's top K (``recovered@10``: of the reranker's exact top 10).
  Notes give each one's median per-query search latency and storage per page.

Outcomes (one table per protocol): ``ndcg_at_5``, ``ndcg_at_10``, ``recall_at_1/5/10``,
``rr_at_10``, ``first_relevant_rank`` (0: none in the top 10), ``n_relevant``, and
``recovered_at_10`` where reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from embedlab.data.doc_retrieval import DocRetrievalDataset
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.embedding.contract import provenance_notes
from embedlab.errors import ConfigError
from embedlab.metrics import ranking
from embedlab.metrics.recovery import recovered_at_k
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.muvera import MuveraSettings
from embedlab.tasks import _late_stages as stages
from embedlab.tasks._beir_eval import Evaluation, evaluated_queries
from embedlab.tasks._vidore_report import Report, muvera_report, two_stage_report
from embedlab.tasks.base import MetricValue, TaskContext, TaskParams, TaskResult, register_task

DEPTH = 10
METRIC_NAMES = ("ndcg@5", "ndcg@10", "recall@1", "recall@5", "recall@10", "mrr@10")
RECOVERED = f"recovered@{DEPTH}"
RECOVERED_COLUMN = f"recovered_at_{DEPTH}"
#: (protocol, (Q, <= DEPTH) page indices best first, extra outcome columns)
Run = tuple[str, NDArray[np.int64], dict[str, NDArray[np.float64]]]


class VidoreParams(TaskParams):
    """``data_dir`` (folder layout of :mod:`embedlab.data.vidore`), ``split``, ``hub_id``;
    ``muvera`` and its settings (module docstring)."""

    data_dir: Path | None = None
    split: str = "test"
    hub_id: str | None = None
    muvera: bool = False
    muvera_r_reps: int = Field(20, ge=1)
    muvera_k_sim: int = Field(5, ge=0, le=16)
    muvera_d_proj: int | None = Field(16, ge=1)
    muvera_final_dim: int | None = Field(None, ge=1)
    muvera_candidates: int = Field(100, ge=1)
    muvera_seed: int = Field(0, ge=0)

    def muvera_settings(self) -> MuveraSettings:
        return MuveraSettings(
            repetitions=self.muvera_r_reps,
            k_sim=self.muvera_k_sim,
            d_proj=self.muvera_d_proj,
            final_dim=self.muvera_final_dim,
            seed=self.muvera_seed,
        )


def metric_set(
    protocol: str,
    ev: Evaluation,
    rankings: NDArray[np.int64],
    page_ids: list[str],
    extra: dict[str, NDArray[np.float64]] | None = None,
) -> tuple[list[MetricValue], Outcomes]:
    """MetricValues (with per-query arrays) and the outcomes table of one protocol."""
    grades = ranking.grade_matrix(rankings, page_ids, ev.judgements)
    columns: dict[str, NDArray[np.generic]] = {
        "ndcg_at_5": ranking.ndcg_at_k(grades, ev.judgements, 5),
        "ndcg_at_10": ranking.ndcg_at_k(grades, ev.judgements, 10),
        **{f"recall_at_{k}": ranking.recall_at_k(grades, ev.judgements, k) for k in (1, 5, 10)},
        "rr_at_10": ranking.reciprocal_rank_at_k(grades, 10),
        "first_relevant_rank": ranking.first_relevant_rank(grades),
        "n_relevant": np.asarray(
            [sum(g > 0 for g in j.values()) for j in ev.judgements], dtype=np.int64
        ),
        **(extra or {}),
    }
    names = METRIC_NAMES + ((RECOVERED,) if RECOVERED_COLUMN in columns else ())
    clusters = np.arange(len(ev.query_ids), dtype=np.int64)
    metrics = [METRICS.value(m, protocol, columns, clusters) for m in names]
    outcomes = Outcomes(protocol, list(ev.query_ids), list(ev.query_ids), columns)
    return metrics, outcomes


@dataclass
class VidoreTask:
    """Visual-document retrieval (see the module docstring)."""

    name: str
    params: VidoreParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Check the options against the models, embed, search, score."""
        self._check(ctx)
        p = self.params
        request = DatasetRequest(self.name, p.data_dir, ctx.cache_dir, p.split, p.hub_id)
        data = load_dataset(request, DocRetrievalDataset)
        ev = evaluated_queries(data, what="document-retrieval folder")
        order = sorted(range(data.n_docs), key=data.doc_ids.__getitem__, reverse=True)
        pages = ([data.doc_ids[i] for i in order], [data.doc_paths[i] for i in order])
        main = stages.encode(ctx.embed, data.name, *pages, ev.query_ids, ev.texts)
        if ctx.rerank is not None:
            second = stages.encode(ctx.rerank, data.name, *pages, ev.query_ids, ev.texts)
            runs, report = _two_stage(main, second, ctx.candidates, ctx.chunk_mb)
        else:
            runs, report = self._one_model(main, ctx.chunk_mb)
        metrics: list[MetricValue] = []
        outcomes: list[Outcomes] = []
        for protocol, rankings, extra in runs:
            values, table = metric_set(protocol, ev, rankings, pages[0], extra)
            metrics.extend(values)
            outcomes.append(table)
        notes = [n for e in (ctx.embed, ctx.rerank) if e for n in provenance_notes(e.provenance())]
        notes += report.notes
        return TaskResult(self._info(data, ev, ctx, report.values), metrics, outcomes, notes)

    def _one_model(self, main: stages.Encoded, chunk_mb: float) -> tuple[list[Run], Report]:
        """``exact``, and ``muvera`` when asked for."""
        exact = stages.exact_search(main, DEPTH, chunk_mb)
        runs: list[Run] = [("exact", exact.indices, {})]
        report = Report([], {"models": {main.model: main.sizes()}})
        if self.params.muvera:
            p = self.params
            settings = p.muvera_settings()
            found = stages.muvera_search(main, settings, p.muvera_candidates, DEPTH)
            recovered = recovered_at_k(found.search.indices, exact.indices, DEPTH)
            runs.append(("muvera", found.search.indices, {RECOVERED_COLUMN: recovered}))
            note, values = muvera_report(main, settings, p.muvera_candidates, exact, found)
            report.notes.append(note + f"; recovered {recovered.mean():.1%} of the exact top 10")
            report.values["muvera"] = {**values, "recovered_at_10": float(recovered.mean())}
        return runs, report

    def _check(self, ctx: TaskContext) -> None:
        """Refuse option/model combinations in one line, before any work."""
        model = ctx.embed.model
        if self.params.muvera and ctx.rerank is not None:
            raise ConfigError(
                f"task {self.name}: --muvera and --rerank cannot be combined; run them separately"
            )
        if self.params.muvera and not ctx.embed.late_interaction:
            raise ConfigError(
                f"task {self.name}: --muvera needs a late-interaction (multi-vector) model; "
                f"{model} is dense: drop --muvera or use a ColPali/ColQwen2 model"
            )
        if ctx.rerank is not None and not ctx.rerank.late_interaction:
            raise ConfigError(
                f"task {self.name}: --rerank {ctx.rerank.model} is not a late-interaction "
                "(multi-vector) model; the reranker must be one (e.g. a ColPali checkpoint)"
            )
        if ctx.rerank is not None and ctx.candidates < 1:
            raise ConfigError(f"--candidates must be >= 1 (got {ctx.candidates})")

    def _info(
        self, data: DocRetrievalDataset, ev: Evaluation, ctx: TaskContext, search: dict[str, Any]
    ) -> DatasetInfo:
        models = {e.model: dict(e.provenance()) for e in (ctx.embed, ctx.rerank) if e}
        return DatasetInfo(
            name=data.name,
            split=data.split,
            source=data.source,
            fingerprint=data.fingerprint,
            n_images=data.n_docs,
            n_captions=0,
            details={
                "format": "doc-retrieval",
                **{f"loader_{k}": v for k, v in data.meta.items()},
                "counts": ev.counts,
                "ties": "score descending, then page id descending (trec_eval)",
                "models": models,
                "search": search,
            },
        )


def _two_stage(
    first: stages.Encoded, second: stages.Encoded, candidates: int, chunk_mb: float
) -> tuple[list[Run], Report]:
    """``first-stage`` (``first`` alone), ``reranker`` (``second`` alone, exact) and
    ``two-stage`` (``second``'s MaxSim over ``first``'s top ``candidates``), each query timed."""
    alone_first = stages.exact_each(first, max(candidates, DEPTH), chunk_mb)
    alone_second = stages.exact_each(second, DEPTH, chunk_mb)
    shortlist = alone_first.indices[:, :candidates]
    both = stages.rerank_each(second, shortlist, DEPTH)
    recovered = recovered_at_k(both.indices, alone_second.indices, DEPTH)
    runs: list[Run] = [
        ("first-stage", alone_first.indices[:, :DEPTH], {}),
        ("reranker", alone_second.indices, {}),
        ("two-stage", both.indices, {RECOVERED_COLUMN: recovered}),
    ]
    note, values = two_stage_report(first, second, candidates, alone_first, alone_second, both)
    note += f"; two-stage recovered {recovered.mean():.1%} of the reranker's exact top 10"
    values["recovered_at_10"] = float(recovered.mean())
    sizes = {first.model: first.sizes(), second.model: second.sizes()}
    return runs, Report([note], {"models": sizes, "two_stage": values})


def make_vidore(task_name: str, params: VidoreParams) -> VidoreTask:
    """Checks the MUVERA settings early (one line naming the setting)."""
    if params.muvera:
        try:
            params.muvera_settings()
        except ConfigError as exc:
            raise ConfigError(f"task {task_name}: {exc}") from None
    return VidoreTask(name=task_name, params=params)


register_task(
    "vidore",
    VidoreParams,
    "visual-document retrieval (ViDoRe: --data-dir or --hub-id): nDCG@5/10, Recall@K, MRR@10",
    "image-text-retrieval",
    two_stage=True,
)(make_vidore)
register_task(
    "docpages",
    VidoreParams,
    "visual-document retrieval on the generated report pages (offline)",
    "image-text-retrieval",
    two_stage=True,
)(make_vidore)
