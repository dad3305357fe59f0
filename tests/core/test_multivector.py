"""Ragged multi-vector container: packing, views, selection and the invariants it refuses."""

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import DataError


def _items() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 3)).astype(np.float32) for n in (2, 1, 4)]


def test_pack_and_read_back() -> None:
    items = _items()
    mv = MultiVectors.from_items(items)
    assert mv.n_items == 3 and mv.dim == 3
    assert mv.offsets.tolist() == [0, 2, 3, 7]
    assert mv.counts.tolist() == [2, 1, 4]
    for i, a in enumerate(items):
        np.testing.assert_array_equal(mv.item(i), a)


def test_select_and_slice() -> None:
    items = _items()
    mv = MultiVectors.from_items(items)
    sel = mv.select([2, 0])
    assert sel.counts.tolist() == [4, 2]
    np.testing.assert_array_equal(sel.item(0), items[2])
    np.testing.assert_array_equal(sel.item(1), items[0])
    sl = mv.slice(1, 3)
    assert sl.offsets.tolist() == [0, 1, 5]
    np.testing.assert_array_equal(sl.item(1), items[2])
    assert mv.select([]).n_items == 0


@pytest.mark.parametrize(
    ("tokens", "offsets", "message"),
    [
        (np.zeros((3, 2), np.float64), [0, 3], "float32"),
        (np.zeros((3, 2), np.float32), [1, 3], "start at 0"),
        (np.zeros((3, 2), np.float32), [0, 2], "end at 3"),
        (np.zeros((3, 2), np.float32), [0, 0, 3], "item 0 has no tokens"),
    ],
)
def test_refuses_broken_layouts(tokens: np.ndarray, offsets: list[int], message: str) -> None:
    with pytest.raises(DataError, match=message):
        MultiVectors(tokens, np.asarray(offsets, dtype=np.int64))


def test_from_items_refuses_mixed_dims() -> None:
    with pytest.raises(DataError, match="one D"):
        MultiVectors.from_items([np.zeros((1, 2)), np.zeros((1, 3))])
