"""The vidore task: metrics against hand values and brute-force loops, dense and late paths,
MUVERA rows, two-stage retrieval, one-line refusals, and a generated docpages set."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.data.docpages import generate_docpages
from embedlab.data.vidore import write_vidore_folder
from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.errors import ConfigError, DataWarning
from embedlab.scoring.late_search import exact_topk, muvera_topk, recovered_fraction
from embedlab.scoring.muvera import Muvera, MuveraSettings
from embedlab.tasks.base import TASKS, TaskContext, TaskResult
from embedlab.tasks.params import fill_params
from embedlab.tasks.vidore import VidoreParams, make_vidore
from tests.fixtures.datasets import write_png

Judged = dict[str, dict[str, int]]
METRICS = ("ndcg@5", "ndcg@10", "recall@1", "recall@5", "recall@10", "mrr@10")


def _folder(root: Path, pages: Sequence[str], queries: Sequence[str], qrels: Judged) -> Path:
    for p in pages:
        write_png(root / "images" / f"{p}.png")
    judged = [(q, d, g) for q, docs in qrels.items() for d, g in docs.items()]
    corpus = [(p, f"images/{p}.png") for p in pages]
    write_vidore_folder(root, corpus, [(q, f"text of {q}") for q in queries], judged)
    return root


def _run(
    folder: Path,
    embed: StubEmbedder,
    rerank: StubEmbedder | None = None,
    candidates: int = 100,
    **params: Any,
) -> TaskResult:
    task = make_vidore("vidore", VidoreParams(data_dir=folder, **params))
    return task.run(TaskContext(embed, folder / "cache", rerank=rerank, candidates=candidates))


def _values(result: TaskResult, protocol: str) -> dict[str, float]:
    out = {}
    for m in result.metrics:
        if m.protocol == protocol:
            label = m.metric if m.k is None or f"@{m.k}" in m.metric else f"{m.metric}@{m.k}"
            out[label] = m.value
    return out


# --- an independent implementation: python sorting and trec_eval's formulas -------------------


def _ranked(scores: Mapping[str, float], k: int) -> list[str]:
    """Pages by score descending, ties by id descending (trec_eval)."""
    return sorted(scores, key=lambda d: (scores[d], d), reverse=True)[:k]


def _brute(rankings: Mapping[str, list[str]], qrels: Judged) -> dict[str, float]:
    per: dict[str, list[float]] = {m: [] for m in METRICS}
    for q, ranked in rankings.items():
        judged = qrels[q]
        gains = [judged.get(d, 0) for d in ranked]
        n_rel = sum(g > 0 for g in judged.values())
        for k in (5, 10):
            dcg = sum(max(g, 0) / math.log2(r + 2) for r, g in enumerate(gains[:k]))
            ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
            idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
            per[f"ndcg@{k}"].append(dcg / idcg)
        for k in (1, 5, 10):
            per[f"recall@{k}"].append(sum(g > 0 for g in gains[:k]) / n_rel)
        first = next((r + 1 for r, g in enumerate(gains[:10]) if g > 0), None)
        per["mrr@10"].append(1 / first if first else 0.0)
    return {m: float(np.mean(v)) for m, v in per.items()}


def _maxsim(q: np.ndarray, d: np.ndarray) -> float:
    return float(sum(max(float(np.dot(t, s)) for s in d) for t in q))


# --- dense path ---------------------------------------------------------------------------


def test_dense_metrics_by_hand_with_a_tie(tmp_path: Path) -> None:
    pages = ["a", "b", "c", "d", "e"]
    qrels = {"q1": {"a": 2, "c": 1, "e": 1}, "q2": {"d": 1}, "q3": {"a": 0}}
    folder = _folder(tmp_path, pages, ["q1", "q2", "q3"], qrels)
    vectors = {
        "a": [1, 0], "b": [1, 0], "c": [0.5, 0.5], "d": [0, 1], "e": [-1, 0],
        "q1": [1, 0], "q2": [0, 1],
    }  # fmt: skip
    stub = StubEmbedder.by_id(vectors)
    with pytest.warns(DataWarning, match="1 of 3 queries of queries.jsonl have no judgement"):
        result = _run(folder, stub)
    # q1 ranks b, a (tie: id descending), c, d, e; q2 ranks d, c, then e, b, a; q3 not judged
    dcg = 2 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(6)
    idcg = 2 + 1 / math.log2(3) + 1 / math.log2(4)
    got = _values(result, "exact")
    assert got["ndcg@5"] == pytest.approx((dcg / idcg + 1) / 2)
    assert got["recall@1"] == pytest.approx(0.5)
    assert got["recall@5"] == pytest.approx(1.0)
    assert got["mrr@10"] == pytest.approx((1 / 2 + 1) / 2)
    assert {m.n for m in result.metrics} == {2}
    assert [r.role for r in stub.requests] == ["document", "query"]
    assert stub.requests[0].ids == ("e", "d", "c", "b", "a")  # pages in descending id order
    (table,) = result.outcomes
    assert table.protocol == "exact" and table.query_ids == ["q1", "q2"]
    assert table.values["first_relevant_rank"].tolist() == [2, 1]
    assert (
        result.dataset.n_images == 5 and result.dataset.details["counts"]["evaluated_queries"] == 2
    )


def _random_set(tmp_path: Path, rng: np.random.Generator, n_pages: int, n_queries: int):
    pages = [f"p{i:02d}" for i in rng.permutation(n_pages)]
    queries = [f"q{i}" for i in range(n_queries)]
    qrels: Judged = {}
    for q in queries:
        judged = rng.choice(pages, size=4, replace=False)
        qrels[q] = {str(d): int(g) for d, g in zip(judged, rng.integers(0, 3, 4), strict=True)}
        qrels[q][str(judged[0])] = 2  # at least one relevant page
    return _folder(tmp_path, pages, queries, qrels), pages, queries, qrels


def test_dense_metrics_equal_brute_force_with_duplicates(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    folder, pages, queries, qrels = _random_set(tmp_path, rng, 30, 12)
    vec = {i: rng.integers(-2, 3, size=4).astype(np.float32) for i in pages + queries}
    for p in pages[::3]:  # exact duplicates: ties decided by id
        vec[p] = vec[pages[1]]
    result = _run(folder, StubEmbedder.by_id(vec))
    scores = {q: {p: float(vec[q] @ vec[p]) for p in pages} for q in queries}
    want = _brute({q: _ranked(scores[q], 10) for q in queries}, qrels)
    assert _values(result, "exact") == pytest.approx(want)


# --- late-interaction path ----------------------------------------------------------------


def _tokens(rng: np.random.Generator, ids: Sequence[str], lo: int, hi: int, dim: int = 8):
    out = {}
    for i in ids:
        x = rng.normal(size=(int(rng.integers(lo, hi)), dim))
        out[i] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return out


def test_late_metrics_equal_brute_force_maxsim(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    folder, pages, queries, qrels = _random_set(tmp_path, rng, 25, 10)
    tok = _tokens(rng, pages + queries, 2, 7)
    tok[pages[4]] = tok[pages[7]]  # a tie
    stub = StubEmbedder.by_tokens(tok)
    result = _run(folder, stub)
    scores = {q: {p: _maxsim(tok[q], tok[p]) for p in pages} for q in queries}
    want = _brute({q: _ranked(scores[q], 10) for q in queries}, qrels)
    assert _values(result, "exact") == pytest.approx(want)
    assert [r.modality for r in stub.requests] == ["image", "text"]
    sizes = result.dataset.details["search"]["models"]["stub:late-interaction"]
    n_tokens = sum(len(tok[p]) for p in pages)
    assert sizes["bytes_per_page"] == pytest.approx(4 * 8 * n_tokens / 25)


# --- MUVERA -------------------------------------------------------------------------------


def test_muvera_rows_and_recovered_fraction(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    folder, pages, queries, qrels = _random_set(tmp_path, rng, 60, 15)
    tok = _tokens(rng, pages + queries, 3, 9)
    settings = {"muvera_r_reps": 4, "muvera_k_sim": 3, "muvera_d_proj": 8, "muvera_seed": 7}
    result = _run(
        folder, StubEmbedder.by_tokens(tok), muvera=True, muvera_candidates=20, **settings
    )
    assert [t.protocol for t in result.outcomes] == ["exact", "muvera"]
    # the same search, independently: pages in descending id order
    order = sorted(pages, reverse=True)
    docs = MultiVectors.from_items([tok[p] for p in order])
    qs = MultiVectors.from_items([tok[q] for q in queries])
    exact = exact_topk(qs, docs, 10)
    mv = Muvera.create(MuveraSettings(repetitions=4, k_sim=3, d_proj=8, seed=7), dim=8)
    approx = muvera_topk(qs, docs, 10, candidates=20, muvera=mv)
    got = _values(result, "muvera")
    assert got["recovered@10"] == pytest.approx(recovered_fraction(approx.indices, exact.indices))
    assert 0 < got["recovered@10"] < 1  # 20 of 60 candidates: the test can tell
    ranked = {q: [order[int(i)] for i in approx.indices[n]] for n, q in enumerate(queries)}
    assert {k: got[k] for k in METRICS} == pytest.approx(_brute(ranked, qrels))
    values = result.dataset.details["search"]["muvera"]
    assert values["fde_dim"] == 4 * 8 * 8 and values["fde_bytes_per_page"] == 4 * 256
    assert values["candidates"] == 20
    assert values["token_work_vs_exact"] == pytest.approx(
        approx.token_dot_products / exact.token_dot_products
    )
    (note,) = [n for n in result.notes if n.startswith("muvera")]
    assert "K=20" in note and "FDE 256 dims = 1,024 B/page" in note and "wall time" in note


# --- two-stage ----------------------------------------------------------------------------


def test_two_stage_equals_rerank_over_brute_force_first_stage(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    folder, pages, queries, qrels = _random_set(tmp_path, rng, 40, 12)
    vec = {i: rng.integers(-2, 3, size=4).astype(np.float32) for i in pages + queries}
    tok = _tokens(rng, pages + queries, 2, 6)
    dense, late = StubEmbedder.by_id(vec, model="stub:dense"), StubEmbedder.by_tokens(tok)
    result = _run(folder, dense, rerank=late, candidates=8)
    assert [t.protocol for t in result.outcomes] == ["first-stage", "reranker", "two-stage"]
    first = {q: _ranked({p: float(vec[q] @ vec[p]) for p in pages}, 8) for q in queries}
    late_scores = {q: {p: _maxsim(tok[q], tok[p]) for p in pages} for q in queries}
    second = {q: _ranked({p: late_scores[q][p] for p in first[q]}, 10) for q in queries}
    alone = {q: _ranked(late_scores[q], 10) for q in queries}
    first10 = {q: _ranked({p: float(vec[q] @ vec[p]) for p in pages}, 10) for q in queries}
    assert _values(result, "first-stage") == pytest.approx(_brute(first10, qrels))
    assert _values(result, "reranker") == pytest.approx(_brute(alone, qrels))
    two = _values(result, "two-stage")
    assert {k: two[k] for k in METRICS} == pytest.approx(_brute(second, qrels))
    overlap = np.mean([len(set(second[q]) & set(alone[q])) / 10 for q in queries])
    assert two["recovered@10"] == pytest.approx(overlap)
    values = result.dataset.details["search"]["two_stage"]
    assert values["bytes_per_page"]["first-stage"] == 16
    assert values["bytes_per_page"]["two-stage"] == pytest.approx(
        16 + 4 * 8 * sum(len(tok[p]) for p in pages) / 40
    )
    assert set(values["median_query_ms"]) == {"first-stage", "reranker", "two-stage"}
    assert any("median per-query search latency" in n for n in result.notes)


# --- refusals -----------------------------------------------------------------------------


def _dense_stub() -> StubEmbedder:
    return StubEmbedder(lambda r: np.ones((len(r.ids), 2)), model="stub:dense")


def _late_stub() -> StubEmbedder:
    return StubEmbedder(model="stub:late", token_handler=lambda r: [np.ones((1, 2))] * len(r.ids))


@pytest.mark.parametrize(
    ("embed", "rerank", "muvera", "message"),
    [
        ("dense", None, True, "--muvera needs a late-interaction .* stub:dense is dense"),
        ("dense", "dense", False, "--rerank stub:dense is not a late-interaction"),
        ("late", "late", True, "--muvera and --rerank cannot be combined"),
    ],
)
def test_refusals_are_one_line_before_any_work(
    tmp_path: Path, embed: str, rerank: str | None, muvera: bool, message: str
) -> None:
    stubs = {"dense": _dense_stub, "late": _late_stub}
    first, second = stubs[embed](), stubs[rerank]() if rerank else None
    task = make_vidore("vidore", VidoreParams(data_dir=tmp_path / "absent", muvera=muvera))
    with pytest.raises(ConfigError, match=message) as err:
        task.run(TaskContext(first, tmp_path, rerank=second))
    assert "\n" not in str(err.value)
    assert first.requests == [] and (second is None or second.requests == [])


def test_bad_muvera_settings_name_the_parameter() -> None:
    definition = TASKS.get("vidore")
    with pytest.raises(ConfigError, match="task vidore: -T muvera_k_sim"):
        fill_params(definition, {}, {"muvera_k_sim": "17"})
    params = fill_params(definition, {}, {"muvera": "true", "muvera_candidates": "50"})
    assert isinstance(params, VidoreParams) and params.muvera and params.muvera_candidates == 50
    with pytest.raises(ConfigError, match="task vidore: -T muvera_candidates"):
        fill_params(definition, {}, {"muvera_candidates": "0"})


def test_vidore_without_a_folder_or_hub_id(tmp_path: Path) -> None:
    task = make_vidore("vidore", VidoreParams())
    with pytest.raises(ConfigError, match="needs --data-dir"):
        task.run(TaskContext(_dense_stub(), tmp_path))


# --- a generated docpages set -------------------------------------------------------------


def test_docpages_with_an_oracle_stub(tmp_path: Path) -> None:
    folder = generate_docpages(tmp_path / "pages", n_pages=12, seed=1)
    answer = {}
    for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        q, d, g = line.split("\t")
        if g == "2":
            answer[q] = d
    pages = sorted(answer.values())

    def oracle(request: EmbedRequest) -> np.ndarray:
        hits = [answer[i] if request.modality == "text" else i for i in request.ids]
        return np.stack([np.eye(len(pages))[pages.index(h)] for h in hits])

    task = TASKS.get("docpages").build("docpages", VidoreParams(data_dir=folder))
    result = task.run(TaskContext(StubEmbedder(oracle), tmp_path / "cache"))
    got = _values(result, "exact")
    assert got["mrr@10"] == 1.0 and got["recall@1"] == 0.5  # two relevant pages each
    assert result.dataset.name == "docpages" and result.metrics[0].n == 12
    qrels: Judged = {}
    for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        q, d, g = line.split("\t")
        qrels.setdefault(q, {})[d] = int(g)
    ranked = {q: _ranked({p: float(p == a) for p in pages}, 10) for q, a in answer.items()}
    assert got == pytest.approx(_brute(ranked, qrels))
    assert got["ndcg@5"] < 1  # the grade-1 page of the same topic is not always second
