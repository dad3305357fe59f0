"""The pass's chunk plan, and exact ranks on random data with forced ties against float64."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from embedlab.scoring import _rank_tiles
from embedlab.scoring._rank_pass import _chunks
from embedlab.scoring.retrieval import rank_retrieval
from tests.scoring._brute import brute_ranks

pytestmark = pytest.mark.usefixtures("either_pass")


def test_chunks_by_hand() -> None:
    """4 first captions + 16 others, at most 5 rows a chunk: balanced, never straddling."""
    assert list(_chunks(4, 20, 5)) == [(0, 4), (4, 8), (8, 12), (12, 16), (16, 20)]
    assert list(_chunks(3, 10, 3)) == [(0, 3), (3, 5), (5, 7), (7, 10)]


@pytest.mark.parametrize(
    ("n_first", "n_rows", "step"), [(5000, 25010, 419), (7, 7, 3), (3, 50, 64), (5, 9, 1)]
)
def test_chunks_cover_rows_once_without_straddling(n_first: int, n_rows: int, step: int) -> None:
    chunks = list(_chunks(n_first, n_rows, step))
    assert chunks[0][0] == 0 and chunks[-1][1] == n_rows
    assert all(a < b <= a + step for a, b in chunks)
    assert all(b == c for (_, b), (c, _) in pairwise(chunks))
    assert all(not (a < n_first < b) for a, b in chunks)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_random_grid_data_with_forced_ties_equal_float64_brute_force(
    threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gaussian values rounded to 1/64 (every float32 score is exact, so the float64 brute force
    sees the same numbers), duplicated images and captions forcing ties; many chunks, several
    tiles per chunk, one or two threads."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", threads)
    monkeypatch.setattr(_rank_tiles, "TILE_BYTES", 1)  # 8-row tiles
    rng = np.random.default_rng(2026)
    n_img, dim = 150, 24
    image = np.round(rng.standard_normal((n_img, dim)) * 16) / 64
    image[100:130] = image[:30]  # images 100..129 copy 0..29: tied columns
    cap = rng.permutation(np.repeat(np.arange(n_img), rng.integers(1, 7, n_img)))
    text = np.round(rng.standard_normal((cap.shape[0], dim)) * 16) / 64
    third = cap.shape[0] // 3
    text[:third] = text[third : 2 * third]  # tied rows
    text, image = text.astype(np.float32), image.astype(np.float32)
    want = brute_ranks(text.astype(np.float64), image.astype(np.float64), cap)
    rows = 61  # several chunks in both the first-caption block and the rest
    got = rank_retrieval(text, image, cap, chunk_mb=rows * 4 * n_img / 2**20)
    assert len(list(_chunks(n_img, cap.shape[0], rows))) > 8
    np.testing.assert_array_equal(got.t2i, want["t2i"])
    np.testing.assert_array_equal(got.t2i_first, want["t2i-first"])
    np.testing.assert_array_equal(got.i2t, want["i2t"])
    np.testing.assert_array_equal(got.i2t_symmetric, want["i2t-symmetric"])
    assert (np.bincount(want["t2i"]) > 0).sum() > 10  # ranks spread, not all 1
