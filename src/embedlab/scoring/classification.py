"""Zero-shot classifier: class embeddings from prompt embeddings, predictions and true-class ranks.

With ``e_{k,t}`` the text embedding of template ``t`` filled with class ``k`` (``T`` templates),
the class embedding is the renormalised mean of the normalised prompt embeddings::

    m_k = (1/T) * sum_t e_{k,t} / ||e_{k,t}||,        w_k = m_k / ||m_k||

and the score of image ``i`` (embedding ``v_i``) for class ``k`` is ``s_ik = <v_i, w_k>``
(float32 GEMM; those values are the truth for ties).

**Tie policy (lowest class index):** the prediction is the first class with the highest score,
``pred_i = min argmax_k s_ik``, and the rank of the true class ``y_i`` is::

    rank_i = 1 + #{k : s_ik > s_iy} + #{k < y_i : s_ik = s_iy}

so ``rank_i == 1`` exactly when ``pred_i == y_i``, and top-K correctness is ``rank_i <= K``.
Classes are in sorted folder order, so the rule is deterministic; ties need identical scores,
which real models essentially never produce for distinct class names. (Retrieval ranks ties
pessimistically instead; there is no single prediction to report there.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError

_TINY = 1e-12
_BYTES_PER_SCORE = 8  # the float32 score plus the boolean comparison masks


@dataclass(frozen=True)
class Classified:
    """Per-image zero-shot results.

    Attributes:
        predicted: predicted class index of each image, int64.
        ranks: 1-based rank of the true class among all classes, int64.
    """

    predicted: NDArray[np.int64]
    ranks: NDArray[np.int64]


def class_embeddings(
    prompt_embeddings: NDArray[np.floating], n_classes: int, n_templates: int
) -> NDArray[np.float32]:
    """Class embeddings ``w_k`` (see module docstring), shape ``(n_classes, D)``.

    Args:
        prompt_embeddings: ``(n_classes * n_templates, D)``, class-major (all templates of
            class 0 first).
        n_classes: number of classes ``C``.
        n_templates: number of templates ``T``.

    Raises:
        ModelError: the array does not have ``C * T`` rows.
    """
    emb = np.asarray(prompt_embeddings, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] != n_classes * n_templates:
        raise ModelError(
            f"expected {n_classes} x {n_templates} prompt embeddings, got shape {emb.shape}"
        )
    unit = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), _TINY)
    means = unit.reshape(n_classes, n_templates, -1).mean(axis=1)
    norms = np.maximum(np.linalg.norm(means, axis=1, keepdims=True), _TINY)
    return np.asarray(means / norms, dtype=np.float32)


def classify(
    images: NDArray[np.floating],
    classes: NDArray[np.floating],
    labels: NDArray[np.int64],
    chunk_mb: float = 96.0,
) -> Classified:
    """Predict a class per image and rank its true class (tie policy in the module docstring).

    Images are scored in row chunks of about ``chunk_mb`` MB, so the ``N x C`` score matrix is
    never held whole.

    Raises:
        ModelError: image and class embeddings differ in dimension.
    """
    img = np.asarray(images, dtype=np.float32)
    cls = np.asarray(classes, dtype=np.float32)
    if img.ndim != 2 or cls.ndim != 2 or img.shape[1] != cls.shape[1]:
        raise ModelError(
            f"image embeddings {img.shape} and class embeddings {cls.shape} do not match"
        )
    n, n_classes = img.shape[0], cls.shape[0]
    rows = max(1, int(chunk_mb * 2**20 // (n_classes * _BYTES_PER_SCORE)))
    predicted = np.empty(n, dtype=np.int64)
    ranks = np.empty(n, dtype=np.int64)
    for lo in range(0, n, rows):
        hi = min(n, lo + rows)
        scores = img[lo:hi] @ cls.T
        predicted[lo:hi] = np.argmax(scores, axis=1)
        ranks[lo:hi] = _true_class_ranks(scores, labels[lo:hi])
    return Classified(predicted=predicted, ranks=ranks)


def _true_class_ranks(scores: NDArray[np.float32], labels: NDArray[np.int64]) -> NDArray[np.int64]:
    true = scores[np.arange(scores.shape[0]), labels][:, None]
    above = (scores > true).sum(axis=1)
    lower_index = np.arange(scores.shape[1])[None, :] < labels[:, None]
    tied_before = ((scores == true) & lower_index).sum(axis=1)
    return np.asarray(1 + above + tied_before, dtype=np.int64)
