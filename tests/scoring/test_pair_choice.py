"""Pair-choice scoring: Winoground text/image/group scores and true-vs-alternatives choice."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import DataError, ModelError
from embedlab.scoring.pair_choice import (
    choice_correct,
    similarities,
    winoground_scores,
)


def _sim(c0i0: float, c0i1: float, c1i0: float, c1i1: float) -> np.ndarray:
    return np.asarray([[[c0i0, c0i1], [c1i0, c1i1]]], dtype=np.float64)


def _one(sim: np.ndarray) -> tuple[bool, bool, bool]:
    s = winoground_scores(sim)
    return bool(s.text[0]), bool(s.image[0]), bool(s.group[0])


def test_perfect_item_scores_everything() -> None:
    assert _one(_sim(0.9, 0.1, 0.2, 0.8)) == (True, True, True)


def test_identical_captions_make_the_text_score_wrong() -> None:
    # both captions score the same against each image: no caption can win strictly
    assert _one(_sim(0.5, 0.3, 0.5, 0.3))[0] is False


def test_identical_images_make_the_image_score_wrong() -> None:
    # both images score the same for each caption
    assert _one(_sim(0.5, 0.5, 0.2, 0.2))[1] is False


def test_text_right_image_wrong_and_group_follows() -> None:
    # c0 prefers i1 overall (image score fails), yet each image prefers its own caption
    text, image, group = _one(_sim(0.6, 0.7, 0.1, 0.8))
    assert (text, image, group) == (True, False, False)


def test_image_right_text_wrong() -> None:
    # image 0 prefers caption 1, but each caption prefers its own image
    text, image, group = _one(_sim(0.5, 0.1, 0.6, 0.9))
    assert (text, image, group) == (False, True, False)


def test_single_tie_breaks_only_its_comparison() -> None:
    # s(c1,i1) == s(c0,i1): the text score fails, the image score does not depend on it
    text, image, _ = _one(_sim(0.9, 0.4, 0.1, 0.4))
    assert text is False and image is True


def _explicit(text_vecs: np.ndarray, image_vecs: np.ndarray) -> list[tuple[bool, bool, bool]]:
    """Independent reference: plain Python loops over items, dot products by hand."""
    out = []
    for n in range(text_vecs.shape[0]):
        s = {}
        for c in range(2):
            for i in range(2):
                s[c, i] = sum(
                    float(a) * float(b)
                    for a, b in zip(text_vecs[n, c], image_vecs[n, i], strict=True)
                )
        text_ok = s[0, 0] > s[1, 0] and s[1, 1] > s[0, 1]
        image_ok = s[0, 0] > s[0, 1] and s[1, 1] > s[1, 0]
        out.append((text_ok, image_ok, text_ok and image_ok))
    return out


def test_scores_equal_an_independent_loop_computation() -> None:
    rng = np.random.default_rng(7)
    n, dim = 60, 8
    # small integer vectors make exact ties frequent and every dot product exact
    texts = rng.integers(-2, 3, size=(n, 2, dim)).astype(np.float32)
    images = rng.integers(-2, 3, size=(n, 2, dim)).astype(np.float32)
    texts[:5, 1] = texts[:5, 0]  # identical captions
    images[5:10, 1] = images[5:10, 0]  # identical images
    flat_t, flat_i = texts.reshape(2 * n, dim), images.reshape(2 * n, dim)
    t_idx = np.arange(2 * n).reshape(n, 2, 1)
    i_idx = np.arange(2 * n).reshape(n, 1, 2)
    scores = winoground_scores(similarities(flat_t, flat_i, t_idx, i_idx))
    expected = _explicit(texts, images)
    got = list(zip(scores.text.tolist(), scores.image.tolist(), scores.group.tolist(), strict=True))
    assert got == expected
    assert not scores.text[:5].any() and not scores.image[5:10].any()


def test_similarities_pad_missing_captions_with_nan() -> None:
    t = np.eye(3, dtype=np.float32)
    v = np.eye(3, dtype=np.float32)
    out = similarities(t, v, np.asarray([[0, 1, -1]]), np.asarray([[0]]))
    assert out[0, 0] == 1.0 and out[0, 1] == 0.0 and np.isnan(out[0, 2])


def test_similarities_reject_bad_input() -> None:
    t = np.eye(3, dtype=np.float32)
    with pytest.raises(ModelError):
        similarities(t, np.eye(4, dtype=np.float32), np.asarray([0]), np.asarray([0]))
    with pytest.raises(DataError):
        similarities(t, t, np.asarray([3]), np.asarray([0]))
    with pytest.raises(DataError):
        similarities(t, t, np.asarray([0]), np.asarray([-1]))


def test_choice_is_strict_and_ignores_missing_alternatives() -> None:
    true = np.asarray([0.5, 0.5, 0.5, 0.5])
    alts = np.asarray(
        [
            [0.4, 0.1, np.nan],  # beats both present alternatives
            [0.5, 0.1, 0.2],  # tie with one alternative: wrong
            [0.6, np.nan, np.nan],  # loses
            [np.nan, 0.49, np.nan],  # beats the only one
        ]
    )
    assert choice_correct(true, alts).tolist() == [True, False, False, True]


def test_choice_needs_an_alternative_and_matching_shapes() -> None:
    with pytest.raises(ModelError):
        choice_correct(np.asarray([0.5]), np.asarray([[np.nan]]))
    with pytest.raises(ModelError):
        choice_correct(np.asarray([0.5, 0.1]), np.asarray([[0.1]]))
    with pytest.raises(ModelError):
        winoground_scores(np.zeros((3, 2, 3)))
