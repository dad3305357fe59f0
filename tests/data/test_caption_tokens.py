"""Treebank-style tokens: the splits ``nltk.word_tokenize`` makes in captions.

Expected lists derived by hand from the Treebank rules and checked against NLTK 3.8.1's
``NLTKWordTokenizer().tokenize`` (NLTK is not a dependency; its output is pasted here).
"""

from __future__ import annotations

import pytest

from embedlab.data.caption_tokens import treebank_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("A man's dog, sitting.", ["A", "man", "'s", "dog", ",", "sitting", "."]),
        ("It isn't here", ["It", "is", "n't", "here"]),
        ('a "big" (red) bus!', ["a", "``", "big", "''", "(", "red", ")", "bus", "!"]),
        ("two dogs' toys", ["two", "dogs", "'", "toys"]),
        ("A dog. It runs", ["A", "dog", ".", "It", "runs"]),  # sentence split first
        ("3,000 feet: high", ["3,000", "feet", ":", "high"]),  # no split inside numbers
        ("a black-and-white cat", ["a", "black-and-white", "cat"]),
        ("wait... go", ["wait", "...", "go"]),
        ("It's a 'big' day", ["It", "'s", "a", "'big", "'", "day"]),  # NLTK 3.8, not 3.9
        ("a 'a' b", ["a", "'", "a", "'", "b"]),
        ("A “quoted” word — dash", ["A", "“", "quoted", "”", "word", "—", "dash"]),
        ("stars * here..", ["stars", "*", "here", ".."]),
        ('He said "no."', ["He", "said", "``", "no", ".", "''"]),
        ("Cars at 5th St. and Main.", ["Cars", "at", "5th", "St.", "and", "Main", "."]),
        ("", []),
    ],
)
def test_treebank_tokens(text: str, tokens: list[str]) -> None:
    assert treebank_tokens(text) == tokens
