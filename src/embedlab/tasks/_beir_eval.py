"""Which queries a BEIR dataset evaluates, and each protocol's ranking (task ``beir``).

A query is evaluated when it has text and at least one judged document with grade > 0; the rest
are counted, not scored. ``q2d`` keeps the top ``DEPTH`` documents; ``q2d-ignore-identical-ids``
first drops the document whose id equals the query id (BEIR's ``ignore_identical_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.data.beir import BeirDataset
from embedlab.errors import DataError

DEPTH = 100


@dataclass(frozen=True)
class Evaluation:
    """The evaluated queries of a dataset: ids, texts and judgements (grade > 0 exists)."""

    query_ids: list[str]
    texts: list[str]
    judgements: list[dict[str, int]]
    counts: dict[str, int]


def evaluated_queries(data: BeirDataset) -> Evaluation:
    """Queries with text and >= 1 relevant judgement, and counts of what was left out."""
    ids, texts, judged = [], [], []
    for qid, text in zip(data.query_ids, data.queries, strict=True):
        grades = data.qrels.get(qid, {})
        if any(g > 0 for g in grades.values()):
            ids.append(qid)
            texts.append(text)
            judged.append(grades)
    known_q, known_d = set(data.query_ids), set(data.doc_ids)
    counts = {
        "documents": len(data.doc_ids),
        "queries": len(data.query_ids),
        "evaluated_queries": len(ids),
        "queries_without_relevant_judgement": len(data.query_ids) - len(ids),
        "judged_queries_missing_from_queries_file": sum(q not in known_q for q in data.qrels),
        "judged_documents_missing_from_corpus": sum(
            d not in known_d for grades in data.qrels.values() for d in grades
        ),
    }
    if not ids:
        raise DataError(
            f"{data.source}: no query of {data.split!r} has a judged document with grade > 0; "
            "check qrels/<split>.tsv and the query ids"
        )
    return Evaluation(ids, texts, judged, counts)


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
