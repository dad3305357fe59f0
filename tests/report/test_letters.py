"""Compact letter display: two systems share a letter iff they are not significantly different."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from embedlab.report.letters import letter_groups


def test_three_groups_of_a_chain() -> None:
    # a ~ b, b ~ c, a != c: the middle system carries both letters
    letters = letter_groups(["a", "b", "c"], [frozenset("ac")])
    assert letters == {"a": "a", "b": "ab", "c": "b"}


def test_no_difference_is_one_letter() -> None:
    assert letter_groups(["x", "y", "z"], []) == {"x": "a", "y": "a", "z": "a"}


@pytest.mark.parametrize("seed", range(40))
def test_share_iff_not_significant_on_random_patterns(seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = [f"s{i}" for i in range(int(rng.integers(2, 8)))]
    pairs = [frozenset(p) for p in itertools.combinations(names, 2)]
    significant = [p for p in pairs if rng.random() < 0.5]
    letters = letter_groups(names, significant)
    assert all(letters[n] for n in names)
    for pair in pairs:
        i, j = tuple(pair)
        assert bool(set(letters[i]) & set(letters[j])) == (pair not in significant), pair
    assert "a" in letters[names[0]]
