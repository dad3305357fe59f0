"""Our t2i / i2t Recall@K equal CLIP_benchmark's on the same embeddings.

CLIP_benchmark (``clip_benchmark.metrics.zeroshot_retrieval``) builds ``scores = texts @ images.T``
and a boolean ``positive_pairs`` matrix, calls ``recall_at_k(scores, positive_pairs, k)`` (true
positives in the top K / positives, per row) and reports ``(recall > 0).mean()``:
``image_retrieval_recall@K`` on the rows (texts → our ``t2i``) and ``text_retrieval_recall@K``
on the transpose (images → our ``i2t``, hit if ANY caption is in the top K).
Random Gaussian embeddings make ties (``torch.topk`` breaks them arbitrarily) practically
impossible.
"""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.metrics.retrieval import retrieval_metrics
from embedlab.scoring.retrieval import rank_protocols

torch = pytest.importorskip("torch")
zeroshot_retrieval = pytest.importorskip("clip_benchmark.metrics.zeroshot_retrieval")

pytestmark = pytest.mark.usefixtures("either_pass")


@pytest.mark.parametrize("seed", [0, 1])
def test_recall_matches_clip_benchmark(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_img, dim = 60, 32
    cap = rng.permutation(np.repeat(np.arange(n_img), rng.integers(4, 7, size=n_img)))
    text = rng.standard_normal((cap.shape[0], dim)).astype(np.float32)
    image = rng.standard_normal((n_img, dim)).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    image /= np.linalg.norm(image, axis=1, keepdims=True)
    # a weak signal so that recall is neither 0 nor 1
    text += 0.3 * image[cap]

    ours = rank_protocols(text, image, cap, ["t2i", "i2t"], chunk_mb=0.01)
    t2i = retrieval_metrics(ours["t2i"].ranks).recall
    i2t = retrieval_metrics(ours["i2t"].ranks).recall

    scores = torch.from_numpy(text) @ torch.from_numpy(image).T
    positive_pairs = torch.zeros_like(scores, dtype=torch.bool)
    positive_pairs[torch.arange(len(scores)), torch.from_numpy(cap)] = True
    for k in (1, 5, 10):
        image_retrieval = zeroshot_retrieval.recall_at_k(scores, positive_pairs, k)
        text_retrieval = zeroshot_retrieval.recall_at_k(scores.T, positive_pairs.T, k)
        assert t2i[k] == pytest.approx((image_retrieval > 0).float().mean().item(), abs=1e-6)
        assert i2t[k] == pytest.approx((text_retrieval > 0).float().mean().item(), abs=1e-6)
    assert 0 < t2i[1] < 1 and 0 < i2t[1] < 1
