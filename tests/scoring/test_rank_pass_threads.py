"""The tiled, multi-threaded rank pass: same ranks for any thread count and tile size."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ModelError
from embedlab.scoring import _rank_tiles
from embedlab.scoring.retrieval import rank_retrieval
from tests.scoring._brute import brute_ranks

pytestmark = pytest.mark.usefixtures("numpy_pass")  # tiles and BLAS schedules of the numpy pass


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cap = rng.permutation(np.repeat(np.arange(60), rng.integers(1, 6, 60)))
    text = (rng.integers(-4, 5, (cap.shape[0], 4)) / 4).astype(np.float32)  # exact, many ties
    image = (rng.integers(-4, 5, (60, 4)) / 4).astype(np.float32)
    return text, image, cap


@pytest.mark.parametrize("threads", ["1", "2", "3"])
@pytest.mark.parametrize("tile_bytes", [1, 2**20])  # 8-row tiles, or one tile per chunk
def test_threads_and_tiles_match_brute_force(
    threads: str, tile_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", threads)  # read by worker_count at each call
    monkeypatch.setattr(_rank_tiles, "TILE_BYTES", tile_bytes)
    text, image, cap = _data(int(threads))
    want = brute_ranks(text, image, cap)
    for chunk_mb in (0.0005, 32.0):  # several chunks of 2-3 tiles, or one chunk
        got = rank_retrieval(text, image, cap, chunk_mb=chunk_mb)
        np.testing.assert_array_equal(got.t2i, want["t2i"])
        np.testing.assert_array_equal(got.t2i_first, want["t2i-first"])
        np.testing.assert_array_equal(got.i2t, want["i2t"])
        np.testing.assert_array_equal(got.i2t_symmetric, want["i2t-symmetric"])


def test_nan_error_names_the_first_bad_caption_in_pass_order() -> None:
    """Pass order is first captions, then the others: caption 3 (a first caption) is named
    before caption 1 (a second caption of image 0), as the reordered scan always did."""
    text = np.eye(4, 2, dtype=np.float32) + 0.5
    text[[1, 3]] = np.nan
    cap = np.array([0, 0, 1, 2])  # first captions: 0, 2, 3
    with pytest.raises(ModelError, match="caption embedding 3 "):
        rank_retrieval(text, np.eye(3, 2, dtype=np.float32) + 0.1, cap)
