"""DeferredColumnCount: bracketed column counts and the never-silently-wrong check."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import BackendError
from embedlab.scoring._deferred import DeferredColumnCount, count_dtype
from embedlab.scoring._rank_pass import bracket


def _feed(counter: DeferredColumnCount, scores: np.ndarray, step: int) -> None:
    for a in range(0, scores.shape[0], step):
        chunk = np.ascontiguousarray(scores[a : a + step], dtype=np.float32)
        counter.update(chunk, np.empty(chunk.shape, bool), np.empty(chunk.shape, bool))


def test_counts_equal_direct_count() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 20, size=(50, 6)).astype(np.float32) / 8
    tau: np.ndarray = scores[rng.integers(0, 50, size=6), np.arange(6)]
    lo, hi = tau - np.float32(0.5), tau + np.float32(0.25)
    for step in (1, 7, 50):
        counter = DeferredColumnCount(lo.astype(np.float32), hi.astype(np.float32))
        _feed(counter, scores, step)
        np.testing.assert_array_equal(counter.counts(tau), (scores >= tau).sum(axis=0))


def test_threshold_outside_bracket_raises() -> None:
    counter = DeferredColumnCount(np.zeros(2, np.float32), np.ones(2, np.float32))
    _feed(counter, np.full((3, 2), 0.5), 3)
    with pytest.raises(BackendError, match="column 1"):
        counter.counts(np.array([0.5, 1.5], dtype=np.float32))


def test_bracket_is_outward_rounded() -> None:
    approx = np.array([0.1, -1e-3, 1.0])
    margin = np.array([1e-9, 1e-9, 0.0])
    lo, hi = bracket(approx, margin)
    assert (lo.astype(np.float64) <= approx - margin).all()
    assert (hi.astype(np.float64) >= approx + margin).all()


def test_count_dtype() -> None:
    assert count_dtype(255) is np.uint8
    assert count_dtype(256) is np.uint16
    assert count_dtype(70_000) is np.int64
