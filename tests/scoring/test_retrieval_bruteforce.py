"""rank_retrieval / rank_protocols against an independent brute force, exact equality."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.scoring.retrieval import RETRIEVAL_PROTOCOLS, rank_protocols, rank_retrieval
from tests.scoring._brute import brute_ranks, brute_ranks_from_scores

pytestmark = pytest.mark.usefixtures("either_pass")


def _chunk_mb(rows: int, n_images: int) -> float:
    """The chunk_mb that gives exactly ``rows`` caption rows per chunk."""
    return rows * 4 * n_images / 2**20


def _shuffled_captions(rng: np.random.Generator, n_images: int) -> NDArray[np.int64]:
    """Each image gets 4, 5 or 6 captions; caption order shuffled (non-contiguous)."""
    per_image = rng.integers(4, 7, size=n_images)
    return rng.permutation(np.repeat(np.arange(n_images), per_image)).astype(np.int64)


def _unit_gaussian(rng: np.random.Generator, n: int, dim: int) -> NDArray[np.float32]:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _dyadic(rng: np.random.Generator, n: int, dim: int) -> NDArray[np.float32]:
    """Entries in {-1, -3/4, ..., 1}: every dot product is exact in float32, ties are common."""
    return (rng.integers(-4, 5, size=(n, dim)) / 4).astype(np.float32)


Ranks = dict[str, NDArray[np.int64]]


def _assert_all_equal(got: Ranks, want: Ranks) -> None:
    for name in RETRIEVAL_PROTOCOLS:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def _ours(text: np.ndarray, image: np.ndarray, cap: np.ndarray, rows: int) -> Ranks:
    """All four protocols with exactly ``rows`` caption rows per chunk."""
    r = rank_retrieval(text, image, cap, chunk_mb=_chunk_mb(rows, image.shape[0]))
    return {"t2i": r.t2i, "t2i-first": r.t2i_first, "i2t": r.i2t, "i2t-symmetric": r.i2t_symmetric}


@pytest.mark.parametrize("rows", [1, 7, 64, 10_000])  # 7 and 64 do not divide Nc (checked)
@pytest.mark.parametrize("kind", ["gaussian", "dyadic"])
def test_shuffled_multi_caption_dataset(rows: int, kind: str) -> None:
    """Images with 4-6 captions in shuffled order; Gaussian (generic) or dyadic (many ties)."""
    rng = np.random.default_rng(rows + (0 if kind == "gaussian" else 1000))
    n_img, dim = 41, 16 if kind == "gaussian" else 3
    cap = _shuffled_captions(rng, n_img)
    make = _unit_gaussian if kind == "gaussian" else _dyadic
    text, image = make(rng, cap.shape[0], dim), make(rng, n_img, dim)
    assert rows == 1 or rows > cap.shape[0] or cap.shape[0] % rows != 0
    _assert_all_equal(_ours(text, image, cap, rows), brute_ranks(text, image, cap))


@pytest.mark.parametrize("seed", range(12))
def test_random_shapes_and_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_img = int(rng.integers(1, 30))
    cap = rng.permutation(np.repeat(np.arange(n_img), rng.integers(1, 7, size=n_img)))
    dim = int(rng.integers(1, 6))
    text, image = _dyadic(rng, cap.shape[0], dim), _dyadic(rng, n_img, dim)
    want = brute_ranks(text, image, cap)
    for rows in (1, 3, int(rng.integers(1, cap.shape[0] + 1)), cap.shape[0] + 5):
        _assert_all_equal(_ours(text, image, cap, rows), want)


def test_duplicated_rows_make_exact_ties() -> None:
    """Copies of captions and images; values on a 1/64 grid keep every score exact."""
    rng = np.random.default_rng(7)
    image = np.round(_unit_gaussian(rng, 12, 8) * 64) / 64
    image = np.concatenate([image, image[:4]])  # images 12..15 duplicate 0..3
    cap = np.repeat(np.arange(16), 3)
    text = np.round(_unit_gaussian(rng, cap.shape[0], 8) * 64) / 64
    text[cap >= 12] = text[: int((cap >= 12).sum())]  # captions of the copies copy others
    perm = rng.permutation(cap.shape[0])
    text, cap = text[perm], cap[perm]
    want = brute_ranks(text, image, cap)
    for rows in (1, 5, 48):
        _assert_all_equal(_ours(text, image, cap, rows), want)


def test_subsets_match_full_pass() -> None:
    rng = np.random.default_rng(3)
    cap = _shuffled_captions(rng, 20)
    text, image = _dyadic(rng, cap.shape[0], 3), _dyadic(rng, 20, 3)
    full = rank_retrieval(text, image, cap, chunk_mb=_chunk_mb(6, 20))
    for name in RETRIEVAL_PROTOCOLS:
        got = rank_protocols(text, image, cap, [name], chunk_mb=_chunk_mb(6, 20))
        assert list(got) == [name]
        np.testing.assert_array_equal(got[name].ranks, full.get(name).ranks, err_msg=name)
        np.testing.assert_array_equal(got[name].queries, full.get(name).queries, err_msg=name)


def test_caption_order_does_not_decide() -> None:
    """Permuting captions permutes t2i ranks and leaves image-side ranks unchanged."""
    rng = np.random.default_rng(11)
    cap = _shuffled_captions(rng, 15)
    text, image = _dyadic(rng, cap.shape[0], 2), _dyadic(rng, 15, 2)
    base = rank_retrieval(text, image, cap)
    perm = rng.permutation(cap.shape[0])
    first = np.argsort(perm)[base.first_caption]  # keep the same captions as "first"
    moved = rank_retrieval(text[perm], image, cap[perm], first_caption=first)
    np.testing.assert_array_equal(moved.t2i, base.t2i[perm])
    np.testing.assert_array_equal(moved.t2i_first, base.t2i_first)
    np.testing.assert_array_equal(moved.i2t, base.i2t)
    np.testing.assert_array_equal(moved.i2t_symmetric, base.i2t_symmetric)


def test_exact_with_respect_to_float32_gemm_values() -> None:
    """Near-ties below float32 resolution: ranks follow the float32 GEMM values, not float64.

    With one caption row per chunk the pass computes every score row by the same
    ``np.matmul`` call as this reference, so both see bitwise-identical float32 scores.
    """
    rng = np.random.default_rng(5)
    n_img, dim = 30, 64
    image = _unit_gaussian(rng, n_img, dim)
    cap = _shuffled_captions(rng, n_img)
    base = _unit_gaussian(rng, 4, dim)
    # every caption is one of 4 vectors plus a perturbation at the float32 rounding level
    text = base[rng.integers(0, 4, size=cap.shape[0])]
    text = text + (rng.standard_normal(text.shape) * 1e-7).astype(np.float32)
    image[n_img // 2 :] = image[: n_img - n_img // 2] * np.float32(1 + 2**-23)  # near-copies
    scores = np.stack([np.matmul(text[c : c + 1], image.T)[0] for c in range(cap.shape[0])])
    want = brute_ranks_from_scores(scores, cap)
    _assert_all_equal(_ours(text, image, cap, 1), want)
