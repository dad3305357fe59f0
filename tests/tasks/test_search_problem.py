"""Search problems of the retrieval and BEIR tasks: top-k scoring against independent code."""

from __future__ import annotations

import numpy as np

from embedlab.embedding.cached import CachedEmbedder
from embedlab.metrics.table import METRICS
from embedlab.tasks.base import TASKS, TaskContext
from embedlab.tasks.search_problem import SearchProblemSource, identity, topk_ranks
from embedlab.verbs.index_inputs import load_run_config
from embedlab.verbs.run import _model_spec, _tasks
from tests.fixtures.index_runs import FinishedRun


def _brute_rank(idx: np.ndarray, sc: np.ndarray, ql: int, cl: np.ndarray) -> int:
    """Loop version: count returned items scoring >= the best returned positive."""
    best = None
    for i, s in zip(idx, sc, strict=True):
        if i >= 0 and cl[i] == ql and (best is None or s > best):
            best = s
    if best is None:
        return len(idx) + 1
    return sum(1 for i, s in zip(idx, sc, strict=True) if i >= 0 and s >= best)


def test_topk_ranks_equal_a_brute_force_loop() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, k, q = 12, 5, 7
        cl = rng.integers(0, 4, n)
        ql = rng.integers(0, 4, q)
        idx = np.stack([rng.permutation(n)[:k] for _ in range(q)]).astype(np.int64)
        idx[rng.random((q, k)) < 0.1] = -1
        sc = np.round(rng.random((q, k)), 1).astype(np.float32)  # many ties
        got = topk_ranks(idx, sc, ql, cl)
        want = [_brute_rank(idx[r], sc[r], int(ql[r]), cl) for r in range(q)]
        assert got.tolist() == want


def test_topk_ranks_hand_example() -> None:
    idx = np.array([[3, 1, 2], [0, 1, 2]], dtype=np.int64)
    sc = np.array([[0.9, 0.5, 0.5], [0.9, 0.8, 0.7]], dtype=np.float32)
    cl = np.array([0, 1, 1, 0])
    # query 0 (label 1): best positive 0.5, two items >= 0.5 and the 0.9 -> rank 3 (ties cost)
    # query 1 (label 2): no positive in the list -> k + 1
    assert topk_ranks(idx, sc, np.array([1, 2]), cl).tolist() == [3, 4]


def _problems(run: FinishedRun):  # type: ignore[no-untyped-def]
    config = load_run_config(run.folder)
    spec = _model_spec(config, config.models[0])
    provider = CachedEmbedder(spec, config.cache_dir, run=run.folder, recreate="cmd")
    out = []
    for name, task, _ in _tasks(config):
        ctx = TaskContext(provider.for_task(TASKS.get(name).kind), run.cache)
        assert isinstance(task, SearchProblemSource)
        out += task.search_problems(ctx)
    return out


def test_full_exact_lists_through_topk_give_the_exact_columns(finished_run: FinishedRun) -> None:
    """The complete score order (an independent path: a full numpy sort), handed over as if an
    index returned every item, gives the task's own exact outcomes on every run metric (ties
    are then re-ordered by the task's rule, e.g. trec_eval's for BEIR)."""
    problems = _problems(finished_run)
    assert [p.protocol for p in problems] == ["t2i", "t2i-first", "i2t", "i2t-symmetric", "q2d"]
    for p in problems:
        scores = p.queries @ p.corpus.T
        order = np.argsort(-scores, axis=1, kind="stable")
        top_scores = np.take_along_axis(scores, order, axis=1)
        from_topk = p.topk_columns(order.astype(np.int64), top_scores)
        exact = p.exact_columns(identity)
        for name in p.metrics:
            a = METRICS.value(name, p.protocol, from_topk).value
            b = METRICS.value(name, p.protocol, exact).value
            assert a == b, (p.protocol, name)
