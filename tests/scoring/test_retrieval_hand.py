"""Tiny hand-computed cases (2-D embeddings, scores exact in float32) and input validation."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError, DataError, ModelError, UnknownNameError
from embedlab.scoring.retrieval import rank_protocols, rank_retrieval, rows_per_chunk

pytestmark = pytest.mark.usefixtures("either_pass")


def _f32(rows: list[list[float]]) -> np.ndarray:
    return np.array(rows, dtype=np.float32)


def test_pessimistic_ties_with_duplicate_images() -> None:
    # images: V0 = (1, 0), V1 = (0, 1), V2 = (1, 0) is a copy of V0
    image = _f32([[1, 0], [0, 1], [1, 0]])
    # captions c0..c3 of images 0, 1, 2, 0
    text = _f32([[1, 0], [0, 1], [1, 0], [0, 1]])
    cap = np.array([0, 1, 2, 0])
    # score matrix s(c, i):   i=0 i=1 i=2
    #   c0 (img 0)            1   0   1    pos 1, V2 ties -> rank 2
    #   c1 (img 1)            0   1   0    rank 1
    #   c2 (img 2)            1   0   1    pos 1, V0 ties -> rank 2
    #   c3 (img 0)            0   1   0    pos 0, V1 above and V2 ties -> rank 3
    r = rank_retrieval(text, image, cap)
    np.testing.assert_array_equal(r.t2i, [2, 1, 2, 3])
    np.testing.assert_array_equal(r.first_caption, [0, 1, 2])
    np.testing.assert_array_equal(r.t2i_first, [2, 1, 2])
    # i2t: image 0 best positive 1 (c0), negative c2 ties; image 1: c3 ties; image 2: c0 ties
    np.testing.assert_array_equal(r.i2t, [2, 2, 2])
    # i2t-symmetric over c0, c1, c2: image 0 tied by c2, image 1 alone, image 2 tied by c0
    np.testing.assert_array_equal(r.i2t_symmetric, [2, 1, 2])
    assert r.t2i.dtype == np.int64 and r.i2t.dtype == np.int64


def test_i2t_uses_best_positive_not_first() -> None:
    image = _f32([[1, 0], [0, 1]])
    text = _f32([[0.25, 0.5], [1, 0], [0.5, 1]])  # c0, c1 of image 0; c2 of image 1
    cap = np.array([0, 0, 1])
    # s(c, i): c0 = (0.25, 0.5), c1 = (1, 0), c2 = (0.5, 1)
    r = rank_retrieval(text, image, cap)
    np.testing.assert_array_equal(r.t2i, [2, 1, 1])
    np.testing.assert_array_equal(r.t2i_first, [2, 1])
    # image 0: best positive c1 = 1 beats negative c2 = 0.5 -> rank 1 (first positive c0 would be 2)
    np.testing.assert_array_equal(r.i2t, [1, 1])
    # symmetric: image 0 sees only c0 (0.25) and c2 (0.5) -> rank 2
    np.testing.assert_array_equal(r.i2t_symmetric, [2, 1])


def test_ties_between_positives_do_not_matter() -> None:
    image = _f32([[1, 0], [0, 1]])
    text = _f32([[1, 0], [1, 0], [0, 1]])  # two identical captions of image 0
    r = rank_retrieval(text, image, np.array([0, 0, 1]))
    np.testing.assert_array_equal(r.t2i, [1, 1, 1])
    np.testing.assert_array_equal(r.i2t, [1, 1])


def test_everything_tied_is_ranked_last() -> None:
    n_img, per = 4, 3
    image = np.ones((n_img, 2), dtype=np.float32)
    text = np.ones((n_img * per, 2), dtype=np.float32)
    cap = np.repeat(np.arange(n_img), per)
    for rows in (1, 5, 100):
        r = rank_retrieval(text, image, cap, chunk_mb=rows * 4 * n_img / 2**20)
        assert (r.t2i == n_img).all() and (r.t2i_first == n_img).all()
        assert (r.i2t == 1 + (n_img - 1) * per).all()
        assert (r.i2t_symmetric == n_img).all()


def test_protocol_ranks_queries() -> None:
    image = _f32([[1, 0], [0, 1]])
    text = _f32([[0, 1], [1, 0], [0.5, 0.5]])
    cap = np.array([1, 0, 1])
    got = rank_protocols(text, image, cap, ["i2t", "t2i-first", "t2i"])
    assert list(got) == ["i2t", "t2i-first", "t2i"]
    assert got["t2i-first"].query_kind == "caption"
    np.testing.assert_array_equal(got["t2i-first"].queries, [1, 0])
    np.testing.assert_array_equal(got["t2i"].queries, [0, 1, 2])
    assert got["i2t"].query_kind == "image"
    np.testing.assert_array_equal(got["i2t"].queries, [0, 1])


def test_explicit_first_caption() -> None:
    image = _f32([[1, 0], [0, 1]])
    text = _f32([[0.25, 0.5], [1, 0], [0.5, 1]])
    r = rank_retrieval(text, image, np.array([0, 0, 1]), first_caption=np.array([1, 2]))
    np.testing.assert_array_equal(r.t2i_first, [1, 1])
    np.testing.assert_array_equal(r.i2t_symmetric, [1, 1])


@pytest.mark.parametrize(
    ("text", "image", "cap", "error"),
    [
        (np.ones((3, 2)), np.ones((2, 3)), [0, 1, 1], ModelError),  # D mismatch
        (np.ones(3), np.ones((2, 2)), [0, 1, 1], ModelError),  # not 2-D
        (np.ones((0, 2)), np.ones((2, 2)), [], ModelError),  # empty
        ([[np.nan, 0], [1, 0], [0, 1]], np.ones((2, 2)), [0, 1, 1], ModelError),
        (np.ones((3, 2)), [[1, 0], [np.inf, 0]], [0, 1, 1], ModelError),
        (np.full((3, 2), 1e30), np.full((2, 2), 1e30), [0, 1, 1], ModelError),  # overflow
        (np.ones((3, 2)), np.ones((2, 2)), [0, 1], DataError),  # wrong length
        (np.ones((3, 2)), np.ones((2, 2)), [0, 2, 1], DataError),  # out of range
        (np.ones((3, 2)), np.ones((2, 2)), [0, 0, 0], DataError),  # image 1 has no caption
        (np.ones((3, 2)), np.ones((2, 2)), [0.0, 1.0, 1.0], DataError),  # not integers
    ],
)
def test_invalid_inputs(text: object, image: object, cap: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        rank_retrieval(text, image, np.asarray(cap))  # type: ignore[arg-type]


def test_invalid_first_caption_and_options() -> None:
    text, image, cap = np.ones((3, 2)), np.ones((2, 2)), np.array([0, 1, 1])
    with pytest.raises(DataError, match="first_caption"):
        rank_retrieval(text, image, cap, first_caption=np.array([1, 0]))
    with pytest.raises(UnknownNameError, match="i2t-symmetric"):
        rank_protocols(text, image, cap, ["t2i", "i2t-sym"])
    with pytest.raises(ConfigError):
        rank_protocols(text, image, cap, [])
    with pytest.raises(ConfigError, match="chunk_mb"):
        rank_retrieval(text, image, cap, chunk_mb=0)
    assert rows_per_chunk(5000, 64) == 3355 and rows_per_chunk(10**9, 1) == 1
