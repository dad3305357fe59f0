"""Whole-chunk parallelism (one BLAS thread per product) and its tile-parallel fallback
give the same ranks, equal to brute force, for any thread count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from embedlab.scoring import _rank_pass
from embedlab.scoring.retrieval import rank_retrieval
from tests.scoring._brute import brute_ranks

pytestmark = pytest.mark.usefixtures("numpy_pass")  # tiles and BLAS schedules of the numpy pass


@contextmanager
def _no_threadpoolctl() -> Iterator[bool]:
    yield False


def _ranks(
    text: np.ndarray, image: np.ndarray, cap: np.ndarray, chunk_mb: float
) -> list[np.ndarray]:
    got = rank_retrieval(text, image, cap, chunk_mb=chunk_mb)
    return [got.t2i, got.t2i_first, got.i2t, got.i2t_symmetric]


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_whole_chunks_and_fallback_match_brute_force_and_each_other(
    threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", threads)
    rng = np.random.default_rng(7)
    cap = rng.permutation(np.repeat(np.arange(40), rng.integers(1, 5, 40)))
    exact_text = (rng.integers(-4, 5, (cap.shape[0], 8)) / 4).astype(np.float32)  # ties
    exact_image = (rng.integers(-4, 5, (40, 8)) / 4).astype(np.float32)
    float_text = rng.standard_normal((cap.shape[0], 48), dtype=np.float32)  # rounded sums
    float_image = rng.standard_normal((40, 48), dtype=np.float32)
    chunk_mb = 0.001  # 6-row chunks: many chunks, several per thread
    whole = _ranks(exact_text, exact_image, cap, chunk_mb)
    want = brute_ranks(exact_text, exact_image, cap)
    for got, name in zip(whole, ("t2i", "t2i-first", "i2t", "i2t-symmetric"), strict=True):
        np.testing.assert_array_equal(got, want[name])
    float_whole = _ranks(float_text, float_image, cap, chunk_mb)
    monkeypatch.setattr(_rank_pass, "single_threaded_blas", _no_threadpoolctl)
    for a, b in zip(_ranks(exact_text, exact_image, cap, chunk_mb), whole, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_ranks(float_text, float_image, cap, chunk_mb), float_whole, strict=True):
        np.testing.assert_array_equal(a, b)  # same GEMM shapes: bit-identical scores
