"""``sq8`` (faiss QT_8bit): D bytes per vector, near-exact ranking, clipping of values outside
the calibration sample."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.indexes import IndexConfig, create_index
from embedlab.indexes import sq8 as sq8_module
from embedlab.indexes._arrays import seeded_rows
from tests.indexes._data import brute_force, recall, unit_rows


def test_sq8_bytes_and_recall() -> None:
    corpus, queries = unit_rows(2000, 64, seed=5), unit_rows(30, 64, seed=6)
    index = create_index(IndexConfig.of("sq8"))
    index.build(corpus)
    overhead = index.nbytes() - 2000 * 64  # int8: D bytes per vector, + 2 x D float ranges
    assert 2 * 4 * 64 <= overhead <= 2 * 4 * 64 + 200
    assert recall(index.search(queries, 10)[1], brute_force(queries, corpus, 10)[1]) >= 0.9


def test_values_outside_the_calibration_sample_are_clipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sq8_module, "CALIBRATION_ROWS", 3)
    sample = seeded_rows(4, 3, seed=0)
    outlier = int(np.setdiff1d(np.arange(4), sample)[0])
    corpus = np.full((4, 2), 0.1, np.float32)
    corpus[sample, 0] = [0.0, 0.5, 1.0]  # the calibration range of dim 0 is [0, 1]
    corpus[outlier] = [3.0, 0.1]  # outside it: clipped to 1.0, not wrapped around
    index = create_index(IndexConfig.of("sq8"))
    index.build(corpus)
    scores, ids = index.search(np.array([[1.0, 0.0]], np.float32), 4)
    by_id = dict(zip(ids[0].tolist(), scores[0].tolist(), strict=True))
    assert by_id[outlier] == pytest.approx(1.0, abs=1 / 255)
