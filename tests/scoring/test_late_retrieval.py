"""MaxSim ranks of the four retrieval protocols against a float64 brute-force loop, exactly."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import BackendError, DataError, ModelError
from embedlab.scoring.late_retrieval import pair_margins, rank_late_protocols, rank_late_retrieval
from embedlab.scoring.retrieval import RETRIEVAL_PROTOCOLS
from tests.scoring._brute import brute_ranks_from_scores

Items = list[NDArray[np.float32]]


def _brute_maxsim(captions: Items, images: Items) -> NDArray[np.float64]:
    """s(c, i) = sum over caption tokens of the max over image tokens, plain float64 loops."""
    out = np.zeros((len(captions), len(images)))
    for c, q in enumerate(captions):
        for i, d in enumerate(images):
            total = 0.0
            for qt in q.astype(np.float64):
                total += max(float(np.dot(qt, dt)) for dt in d.astype(np.float64))
            out[c, i] = total
    return out


def _items(rng: np.random.Generator, n: int, dim: int, kind: str, hi: int) -> Items:
    out = []
    for _ in range(n):
        t = int(rng.integers(1, hi + 1))
        if kind == "dyadic":  # every dot product and sum exact in float32: ties are common
            out.append((rng.integers(-2, 3, size=(t, dim)) / 2).astype(np.float32))
        else:
            a = rng.standard_normal((t, dim)).astype(np.float32)
            out.append(a / np.linalg.norm(a, axis=1, keepdims=True))
    return out


def _dataset(seed: int, kind: str, per_image: int) -> tuple[Items, Items, NDArray[np.int64]]:
    """Images with ``per_image`` captions each (or 4-6 when 0), shuffled caption order, and
    deliberate exact ties: a duplicated image and a caption copied onto another image."""
    rng = np.random.default_rng(seed)
    n_img, dim = 13, 2 if kind == "dyadic" else 8
    counts = rng.integers(4, 7, size=n_img) if per_image == 0 else np.full(n_img, per_image)
    cap = rng.permutation(np.repeat(np.arange(n_img), counts)).astype(np.int64)
    images = _items(rng, n_img, dim, kind, 7)
    captions = _items(rng, len(cap), dim, kind, 5)
    images[5] = images[2].copy()  # duplicate image: every caption ties on images 2 and 5
    other = int(np.flatnonzero(cap != cap[0])[0])
    captions[other] = captions[0].copy()  # the same caption text for two images
    return captions, images, cap


def _ours(captions: Items, images: Items, cap: NDArray[np.int64], chunk_mb: float) -> dict:
    t, i = MultiVectors.from_items(captions), MultiVectors.from_items(images)
    return rank_late_retrieval(t, i, cap, chunk_mb=chunk_mb)


@pytest.mark.parametrize("per_image", [4, 5, 6, 0])
@pytest.mark.parametrize("kind", ["gaussian", "dyadic"])
def test_four_protocols_equal_brute_force(kind: str, per_image: int) -> None:
    captions, images, cap = _dataset(per_image + (100 if kind == "dyadic" else 0), kind, per_image)
    want = brute_ranks_from_scores(_brute_maxsim(captions, images), cap)
    for chunk_mb in (1e-5, 0.002, 64.0):  # one item per block ... everything in one block
        got = _ours(captions, images, cap, chunk_mb)
        for name in RETRIEVAL_PROTOCOLS:
            np.testing.assert_array_equal(got[name], want[name], err_msg=f"{name} {chunk_mb}")
    if kind == "dyadic":  # the injected and natural ties did cost ranks
        assert (want["t2i"] > 1).any() and (want["i2t"] > 1).any()


def test_duplicate_image_ties_count_against_the_positive() -> None:
    """Two identical images: each one's captions rank their image 2nd (pessimistic)."""
    a = np.array([[1.0, 0.0]], dtype=np.float32)
    b = np.array([[0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    images = [a, a.copy(), b]
    captions = [a, a.copy(), b[:1], np.array([[0.6, 0.8]], dtype=np.float32)]
    cap = np.array([0, 1, 2, 2])
    got = _ours(captions, images, cap, 1.0)
    # s(c0, .) = [1, 1, 0.6]; s(c2, .) = [0, 0, 1]; s(c3, .) = [0.6, 0.6, 1]
    assert got["t2i"].tolist() == [2, 2, 1, 1]
    assert got["i2t"].tolist() == [2, 2, 1]
    assert got["i2t-symmetric"].tolist() == [2, 2, 1]


def test_first_caption_only_protocols_take_the_small_pass() -> None:
    captions, images, cap = _dataset(7, "gaussian", 5)
    t, i = MultiVectors.from_items(captions), MultiVectors.from_items(images)
    first = np.array([np.flatnonzero(cap == j)[-1] for j in range(len(images))])  # not the lowest
    alone = rank_late_protocols(t, i, cap, ["i2t-symmetric", "t2i-first"], first_caption=first)
    full = rank_late_protocols(t, i, cap, RETRIEVAL_PROTOCOLS, first_caption=first)
    assert list(alone) == ["i2t-symmetric", "t2i-first"]
    for name in alone:
        np.testing.assert_array_equal(alone[name].ranks, full[name].ranks)
        np.testing.assert_array_equal(alone[name].queries, full[name].queries)
    assert full["t2i-first"].queries.tolist() == first.tolist()


def test_margin_covers_two_float32_evaluations() -> None:
    """The bound grows with token count, norms and dimension, and is tiny for unit vectors."""
    m = pair_margins(np.array([20.0]), np.array([1.0]), np.array([20]), 128)
    assert 1e-5 < m[0] < 1e-3
    assert pair_margins(np.array([40.0]), np.array([1.0]), np.array([40]), 128)[0] > m[0]


def test_bad_inputs_are_one_line_errors() -> None:
    two = MultiVectors.from_items([np.ones((1, 2))])
    three = MultiVectors.from_items([np.ones((1, 3))])
    with pytest.raises(DataError, match="2 dims but image tokens 3"):
        rank_late_retrieval(two, three, [0])
    with pytest.raises(DataError, match="caption_image"):
        rank_late_retrieval(two, two, [1])
    nan = MultiVectors.from_items([np.array([[np.nan, 0.0]])])
    with pytest.raises(ModelError, match="caption 0 has a NaN"):
        rank_late_retrieval(nan, two, [0])


def test_a_positive_outside_its_bracket_is_a_backend_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the pair estimates off by more than the float32 bound (a broken BLAS), the ranks
    would be wrong; the pass checks every positive against its bracket and refuses instead."""
    import embedlab.scoring.late_retrieval as late

    captions, images, cap = _dataset(3, "gaussian", 4)
    real = late.maxsim_pairs
    monkeypatch.setattr(late, "maxsim_pairs", lambda *a: real(*a) + np.float32(1e-3))
    with pytest.raises(BackendError, match="outside its float32 error bound"):
        _ours(captions, images, cap, 1.0)
