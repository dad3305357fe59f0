"""Which queries a BEIR dataset evaluates, and each protocol's ranking (task ``beir``).

A query is evaluated when it has text and at least one judged document with grade > 0; the rest
are counted, not scored. Mismatches between the files (judged documents missing from the corpus,
queries without a relevant judgement, judgements of unknown queries) change the metrics, so each
kind is one :class:`~embedlab.errors.DataWarning` line with its count and an example, besides
the counts in the dataset details. ``q2d`` keeps the top ``DEPTH`` documents;
``q2d-ignore-identical-ids`` first drops the document whose id equals the query id (BEIR's
``ignore_identical_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.data.beir import CORPUS_FILE, QRELS_DIR, QUERIES_FILE, BeirDataset
from embedlab.data.doc_retrieval import DocRetrievalDataset
from embedlab.data.notices import warn_data
from embedlab.errors import DataError

DEPTH = 100


@dataclass(frozen=True)
class Evaluation:
    """The evaluated queries of a dataset: ids, texts and judgements (grade > 0 exists)."""

    query_ids: list[str]
    texts: list[str]
    judgements: list[dict[str, int]]
    counts: dict[str, int]


def evaluated_queries(
    data: BeirDataset | DocRetrievalDataset, what: str = "BEIR folder"
) -> Evaluation:
    """Queries with text and >= 1 relevant judgement, and counts of what was left out
    (``what`` names the kind of folder in the warnings: the ``vidore`` task shares this)."""
    ids, texts, judged = [], [], []
    for qid, text in zip(data.query_ids, data.queries, strict=True):
        grades = data.qrels.get(qid, {})
        if any(g > 0 for g in grades.values()):
            ids.append(qid)
            texts.append(text)
            judged.append(grades)
    known_q, known_d = set(data.query_ids), set(data.doc_ids)
    unknown_queries = [q for q in data.qrels if q not in known_q]
    missing_docs = [(q, d) for q, grades in data.qrels.items() for d in grades if d not in known_d]
    evaluated = set(ids)
    unjudged = [q for q in data.query_ids if q not in evaluated]
    counts = {
        "documents": len(data.doc_ids),
        "queries": len(data.query_ids),
        "evaluated_queries": len(ids),
        "queries_without_relevant_judgement": len(data.query_ids) - len(ids),
        "judged_queries_missing_from_queries_file": len(unknown_queries),
        "judged_documents_missing_from_corpus": len(missing_docs),
    }
    _warn_counts(data, unknown_queries, missing_docs, unjudged, what)
    if not ids:
        raise DataError(
            f"{data.source}: no query of {data.split!r} has a judged document with grade > 0; "
            "check qrels/<split>.tsv and the query ids"
        )
    return Evaluation(ids, texts, judged, counts)


def _warn_counts(
    data: BeirDataset | DocRetrievalDataset,
    unknown_queries: list[str],
    missing_docs: list[tuple[str, str]],
    unjudged: list[str],
    what: str,
) -> None:
    """One :class:`DataWarning` line per kind of mismatch between the three files."""
    qrels = f"{QRELS_DIR}/{data.split}.tsv"
    where = f"{what} {data.source}"
    if missing_docs:
        q, d = missing_docs[0]
        warn_data(
            f"{where}: {len(missing_docs)} judgement(s) of {qrels} name documents missing from "
            f"{CORPUS_FILE} (e.g. query {q!r} -> document {d!r}); they still count in the ideal "
            "DCG and the recall denominator, so those queries cannot reach 1"
        )
    if unjudged:
        warn_data(
            f"{where}: {len(unjudged)} of {len(data.query_ids)} queries of {QUERIES_FILE} have no "
            f"judgement with grade > 0 in {qrels} (e.g. {unjudged[0]!r}); they are not evaluated "
            "(trec_eval would score them 0)"
        )
    if unknown_queries:
        warn_data(
            f"{where}: {len(unknown_queries)} query id(s) judged in {qrels} are not in "
            f"{QUERIES_FILE} (e.g. {unknown_queries[0]!r}); their judgements are ignored"
        )


def protocol_rankings(
    top: NDArray[np.int64], query_ids: list[str], doc_ids: list[str], protocol: str
) -> NDArray[np.int64]:
    """``(Q, <=DEPTH)`` rankings of ``protocol`` from a top list computed DEPTH + 1 deep.

    For ``q2d-ignore-identical-ids`` a row that lost its self match may end with ``-1`` (no
    document) when the corpus is smaller than DEPTH + 1.
    """
    depth = min(DEPTH, top.shape[1])
    if protocol == "q2d":
        return top[:, :depth]
    position = {d: i for i, d in enumerate(doc_ids)}
    self_index = np.asarray([position.get(q, -1) for q in query_ids], dtype=np.int64)
    out = np.full((top.shape[0], depth), -1, dtype=np.int64)  # -1: no document at that rank
    for row in range(top.shape[0]):
        kept = top[row][top[row] != self_index[row]][:depth]
        out[row, : len(kept)] = kept
    return out
