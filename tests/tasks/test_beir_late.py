"""The beir task with a late-interaction model: MaxSim(query tokens -> document tokens), ranked in
trec_eval's order, against a float64 brute force scored by independent loops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.data.beir import load_beir
from embedlab.data.beir_synthetic import generate_beir_synthetic
from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.tasks.base import TASKS, TaskContext
from embedlab.tasks.beir import SCORE_LATE, BeirParams
from tests.tasks.test_beir_task import loop_metrics, trec_rankings


def _word_tokens(seed: int) -> tuple[StubEmbedder, dict[str, np.ndarray]]:
    """One token per word (at most 12), dyadic 4-d vectors per word: MaxSim is exact and ties
    between documents are frequent, so the document-id tie order matters."""
    rng = np.random.default_rng(seed)
    vocab: dict[str, np.ndarray] = {}

    def tokens(text: str) -> np.ndarray:
        words = text.lower().split()[:12] or ["<empty>"]
        for w in words:
            vocab.setdefault(w, rng.integers(-2, 3, size=4) / 2)
        return np.stack([vocab[w] for w in words])

    def handler(request: EmbedRequest) -> list[np.ndarray]:
        return [tokens(t) for t in request.items]

    return StubEmbedder(token_handler=handler, model="stub:colbert"), vocab


@pytest.mark.filterwarnings("ignore::embedlab.errors.DataWarning")
def test_late_beir_equals_brute_force_maxsim(tmp_path: Path) -> None:
    data_dir = generate_beir_synthetic(tmp_path / "data", n_subjects=6)
    stub, vocab = _word_tokens(0)
    task = TASKS.get("beir").build("beir", BeirParams(data_dir=data_dir))
    result = task.run(TaskContext(stub, tmp_path / "cache", chunk_mb=1))
    assert [r.role for r in stub.requests] == ["document", "query"]

    data = load_beir(data_dir)
    docs = [np.stack([vocab[w] for w in d.lower().split()[:12]]) for d in data.documents]
    qids = [q for q in data.query_ids if max(data.qrels.get(q, {"": 0}).values()) > 0]
    texts = dict(zip(data.query_ids, data.queries, strict=True))
    scores = np.array([
        [sum(max(float(a @ b) for b in d) for a in np.stack([vocab[w] for w in
             texts[q].lower().split()[:12]])) for d in docs]
        for q in qids
    ])  # fmt: skip
    ranked = trec_rankings(scores, data.doc_ids)
    want = np.array([loop_metrics(r, data.qrels[q]) for r, q in zip(ranked, qids, strict=True)])
    got = {m.metric: m for m in result.metrics}
    for column, name in enumerate(("ndcg", "recall", "mrr")):
        np.testing.assert_allclose(got[name].per_query, want[:, column], atol=1e-9)
    assert (np.sort(scores, axis=1)[:, -1:] == np.sort(scores, axis=1)[:, -2:-1]).any()  # ties
    first = result.outcomes[0].values["first_relevant_rank"]
    want_first = [next((i + 1 for i, d in enumerate(r[:100]) if data.qrels[q].get(d, 0) > 0), 0)
                  for r, q in zip(ranked, qids, strict=True)]  # fmt: skip
    assert first.tolist() == want_first
    assert result.dataset.details["score"] == SCORE_LATE
