"""Packed top-k keys order like (score descending, tie-break ascending)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.scoring._topk_merge import score_keys, tie_keys


def test_score_keys_follow_float_order_and_zero_signs_are_equal() -> None:
    values = np.array(
        [-np.inf, -3.5, -1e-40, -0.0, 0.0, 1e-40, 2.0, 3.4e38, np.inf], dtype=np.float32
    )
    keys = score_keys(values)
    assert (np.diff(keys[[0, 1, 2, 3, 5, 6, 7, 8]].astype(np.float64)) > 0).all()
    assert keys[3] == keys[4]  # -0.0 == +0.0: the tie-break decides
    assert (keys & np.uint64(2**32 - 1) == 0).all()


def test_tie_keys_permutation_and_general_tiebreaks() -> None:
    np.testing.assert_array_equal(tie_keys(np.array([2, 0, 1])), 2**32 - 1 - np.array([2, 0, 1]))
    # duplicates and negatives: rank by (tiebreak, index)
    np.testing.assert_array_equal(
        tie_keys(np.array([5, -1, 5, 0])), 2**32 - 1 - np.array([2, 0, 3, 1])
    )


@pytest.mark.parametrize("seed", range(3))
def test_sorting_by_key_equals_lexsort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = (rng.integers(-3, 4, 200) / 2).astype(np.float32)
    scores[rng.integers(0, 200, 20)] = -0.0
    tb = rng.permutation(200).astype(np.int64)
    keys = score_keys(scores) | tie_keys(tb)
    np.testing.assert_array_equal(np.argsort(keys)[::-1], np.lexsort((tb, -scores)))
