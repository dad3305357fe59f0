"""Text retrieval on a BEIR-format folder (task ``beir``) or the synthetic set (``beir-synthetic``).

Protocol (PROTOCOLS.md, "Text retrieval"):

* Documents are embedded with role ``document`` as ``(title + " " + text).strip()``
  (:mod:`embedlab.data.beir`); queries with role ``query``. Prompts are the model's
  (:mod:`embedlab.models.text_settings`) and are recorded in the dataset details and the notes.
* Only queries that have text and at least one judged document with grade > 0 are evaluated;
  the others are counted in the details (trec_eval would score them 0). Those, judged documents
  missing from the corpus and judgements of unknown queries are also one ``DataWarning`` line
  each (:mod:`embedlab.tasks._beir_eval`).
* Scores are float32 dot products of the embeddings; each query keeps its top 100 documents
  (:mod:`embedlab.scoring.dense_topk`, bounded memory) ranked by score descending, **ties broken
  by document id descending**, exactly as trec_eval orders a run. With ``--corpus-memory-mb`` a
  larger corpus is searched shard by shard from the embedding cache, with the same lists
  (:mod:`embedlab.tasks.corpus_search`). A late-interaction
  (multi-vector) model scores ``MaxSim(query tokens -> document tokens)`` instead
  (:mod:`embedlab.scoring.late_topk`), ranked and cut the same way.
* Metrics (:mod:`embedlab.metrics.ranking`): ``ndcg`` @10 (linear gain, log2(rank + 1) discount,
  ideal DCG from all judged grades), ``recall`` @100 (fraction of the relevant judged documents
  found), ``mrr`` @10. Every query is its own resampling unit.

Protocols: ``q2d`` (default) ranks the whole corpus; ``q2d-ignore-identical-ids`` drops the
document whose id equals the query id before cutting at 100, which is BEIR's
``EvaluateRetrieval.evaluate(ignore_identical_ids=True)`` default (it matters for datasets whose
queries are in the corpus, e.g. ArguAna, Quora). Outcomes (one table per protocol): ``ndcg_at_10``,
``recall_at_100``, ``rr_at_10``, ``first_relevant_rank`` (0: none in the top 100) and
``n_relevant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.beir import TITLE_JOINER, BeirDataset
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.embedding.contract import provenance_notes
from embedlab.errors import ConfigError
from embedlab.metrics import ranking
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.dense_topk import TopK, descending_id_order
from embedlab.scoring.late_topk import late_topk
from embedlab.tasks._beir_eval import DEPTH, Evaluation, evaluated_queries, protocol_rankings
from embedlab.tasks.base import MetricValue, TaskContext, TaskParams, TaskResult, register_task
from embedlab.tasks.corpus_search import corpus_topk
from embedlab.tasks.search_problem import SearchProblem

PROTOCOLS = ("q2d", "q2d-ignore-identical-ids")
NDCG_K, RECALL_K, MRR_K = 10, 100, 10
#: Rows of every protocol (definitions: :mod:`embedlab.metrics.ranking`).
METRIC_NAMES = (f"ndcg@{NDCG_K}", f"recall@{RECALL_K}", f"mrr@{MRR_K}")
SCORE_DENSE = "dot product of the embeddings"
SCORE_LATE = "MaxSim(query tokens -> document tokens)"


class BeirParams(TaskParams):
    """``data_dir`` (BEIR layout; ``beir-synthetic``: None = the generated set), ``split``,
    ``protocols`` (``q2d`` by default)."""

    data_dir: Path | None = None
    split: str = "test"
    protocols: tuple[str, ...] = ()


def metric_set(
    protocol: str, ev: Evaluation, rankings: NDArray[np.int64], doc_ids: list[str]
) -> tuple[list[MetricValue], Outcomes]:
    """MetricValues (with per-query arrays) and the outcomes table of one protocol."""
    grades = ranking.grade_matrix(rankings, doc_ids, ev.judgements)
    columns: dict[str, NDArray[np.generic]] = {
        f"ndcg_at_{NDCG_K}": ranking.ndcg_at_k(grades, ev.judgements, NDCG_K),
        f"recall_at_{RECALL_K}": ranking.recall_at_k(grades, ev.judgements, RECALL_K),
        f"rr_at_{MRR_K}": ranking.reciprocal_rank_at_k(grades, MRR_K),
        "first_relevant_rank": ranking.first_relevant_rank(grades),
        "n_relevant": np.asarray(
            [sum(g > 0 for g in j.values()) for j in ev.judgements], dtype=np.int64
        ),
    }
    clusters = np.arange(len(ev.query_ids), dtype=np.int64)
    metrics = [METRICS.value(m, protocol, columns, clusters) for m in METRIC_NAMES]
    outcomes = Outcomes(
        protocol=protocol,
        query_ids=list(ev.query_ids),
        cluster_ids=list(ev.query_ids),
        values=columns,
    )
    return metrics, outcomes


@dataclass
class BeirTask:
    """BEIR-format text retrieval (see the module docstring)."""

    name: str
    params: BeirParams

    @property
    def protocols(self) -> tuple[str, ...]:
        """The protocols reported (``q2d`` by default)."""
        return self.params.protocols or ("q2d",)

    def run(self, ctx: TaskContext) -> TaskResult:
        """Embed corpus and queries, rank top 100, and score nDCG@10, Recall@100, MRR@10."""
        request = DatasetRequest(self.name, self.params.data_dir, ctx.cache_dir, self.params.split)
        data = load_dataset(request, BeirDataset)
        ev = evaluated_queries(data)
        extra = 1 if "q2d-ignore-identical-ids" in self.protocols else 0
        top = _top(ctx, data, ev, DEPTH + extra)
        metrics: list[MetricValue] = []
        outcomes: list[Outcomes] = []
        for protocol in self.protocols:
            rankings = protocol_rankings(top.indices, ev.query_ids, data.doc_ids, protocol)
            values, table = metric_set(protocol, ev, rankings, data.doc_ids)
            metrics.extend(values)
            outcomes.append(table)
        details = dict(ctx.embed.provenance())
        info = DatasetInfo(
            name=data.name,
            split=data.split,
            source=data.source,
            fingerprint=data.fingerprint,
            n_images=0,
            n_captions=0,
            details={
                "format": "beir",
                "document_text": f"(title + {TITLE_JOINER!r} + text).strip()",
                "counts": ev.counts,
                "ties": "score descending, then document id descending (trec_eval)",
                "score": SCORE_LATE if ctx.embed.late_interaction else SCORE_DENSE,
                "models": {details["model"]: details},
            },
        )
        return TaskResult(
            dataset=info, metrics=metrics, outcomes=outcomes, notes=provenance_notes(details)
        )

    def search_problems(self, ctx: TaskContext) -> list[SearchProblem]:
        """The protocols as search problems for an index study (tasks/beir_search.py)."""
        from embedlab.tasks.beir_search import beir_problems

        return beir_problems(self, ctx)


def _top(ctx: TaskContext, data: BeirDataset, ev: Evaluation, depth: int) -> TopK:
    """Each evaluated query's top ``depth`` documents in trec_eval's order: by the embeddings'
    dot product, or by MaxSim of query tokens over document tokens for a late-interaction
    model (documents embedded first, role ``document``)."""
    embed, tiebreak = ctx.embed, descending_id_order(data.doc_ids)
    if embed.late_interaction:
        doc_tokens = embed.text_tokens(data.name, data.doc_ids, data.documents, role="document")
        query_tokens = embed.text_tokens(data.name, ev.query_ids, ev.texts, role="query")
        return late_topk(query_tokens, doc_tokens, depth, tiebreak, ctx.chunk_mb)
    return corpus_topk(
        ctx,
        data.name,
        data.doc_ids,
        data.documents,
        lambda: embed.texts(data.name, ev.query_ids, ev.texts, role="query"),
        depth,
        tiebreak,
    )


def make_beir(task_name: str, params: BeirParams) -> BeirTask:
    """Checks ``--protocol`` names early."""
    unknown = [p for p in params.protocols if p not in PROTOCOLS]
    if unknown:
        raise ConfigError(
            f"--protocol {unknown[0]!r} is not a beir protocol; valid: {', '.join(PROTOCOLS)}"
        )
    return BeirTask(name=task_name, params=params)


register_task(
    "beir",
    BeirParams,
    "text retrieval on a BEIR folder: nDCG@10, Recall@100, MRR@10",
    "text-retrieval",
)(make_beir)
register_task(
    "beir-synthetic",
    BeirParams,
    "text retrieval on the generated BEIR-layout set",
    "text-retrieval",
)(make_beir)
