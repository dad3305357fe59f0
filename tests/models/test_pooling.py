"""Pooling of token embeddings (mean / first real token / last real token), either padding side."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.models.pooling import check_pooling, pool

# batch of 2, length 4, hidden 2; row 0 right-padded (3 tokens), row 1 left-padded (2 tokens)
HIDDEN = np.array(
    [
        [[1, 2], [3, 4], [5, 6], [100, 100]],
        [[100, 100], [100, 100], [7, 8], [9, 10]],
    ],
    dtype=np.float32,
)
MASK = np.array([[1, 1, 1, 0], [0, 0, 1, 1]])


def test_mean_excludes_padding() -> None:
    np.testing.assert_allclose(pool(HIDDEN, MASK, "mean"), [[3, 4], [8, 9]])


def test_cls_is_the_first_real_token() -> None:
    np.testing.assert_allclose(pool(HIDDEN, MASK, "cls"), [[1, 2], [7, 8]])


def test_last_is_the_last_real_token() -> None:
    np.testing.assert_allclose(pool(HIDDEN, MASK, "last"), [[5, 6], [9, 10]])


def test_row_without_tokens_pools_to_zero() -> None:
    empty = np.zeros((1, 4), dtype=np.int64)
    for mode in ("mean", "cls", "last"):
        np.testing.assert_array_equal(pool(HIDDEN[:1], empty, mode), [[0, 0]])


def test_shapes_are_checked_and_pooling_is_required() -> None:
    with pytest.raises(ValueError, match="do not match"):
        pool(HIDDEN, MASK[:, :3], "mean")
    with pytest.raises(ConfigError, match=r"no pooling; .* one of mean, cls, last"):
        check_pooling(None, "hf-text:x")
    with pytest.raises(ConfigError, match="pooling='max'"):
        check_pooling("max", "hf-text:x")
    assert check_pooling("last", "m") == "last"
