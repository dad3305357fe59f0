"""ARO's four perturbations on given tokens and Penn tags, against the official definitions.

Expected outputs are derived by hand from ``TextShuffler`` in
``mertyg/vision-language-models-are-bows@81fdd20:dataset_zoo/perturbations.py``: nouns are the
tokens tagged NN/NNS/NNP/NNPS, adjectives JJ/JJR/JJS, each class permuted among its own
positions (``text[idx] = np.random.permutation(text[idx])``); ``shuffle_allbut`` permutes every
other token; ``get_trigrams`` cuts consecutive groups of 3 (the last shorter), and
``random.shuffle`` permutes inside each trigram or the trigram order. The original draws from
global RNG state, so draws are not compared: the set of outputs over many seeds must be exactly
the set the official permutations can reach, each reached about equally often.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import permutations, product

import numpy as np
import pytest

from embedlab.data.word_order import (
    perturb,
    pre_caption,
    shuffle_allbut_nouns_and_adj,
    shuffle_nouns_and_adj,
    shuffle_trigrams,
    shuffle_within_trigrams,
    trigrams,
)


def outputs(draw: Callable[[np.random.Generator], list[str]], n: int = 400) -> Counter[str]:
    return Counter(" ".join(draw(np.random.default_rng(s))) for s in range(n))


def test_nouns_and_adjectives_are_permuted_within_their_class() -> None:
    tokens = ["a", "red", "dog", "and", "a", "blue", "cat", "sits"]
    tags = ["DT", "JJ", "NN", "CC", "DT", "JJ", "NNS", "VBZ"]
    seen = outputs(lambda rng: shuffle_nouns_and_adj(tokens, tags, rng))
    assert set(seen) == {
        "a red dog and a blue cat sits",
        "a red cat and a blue dog sits",
        "a blue dog and a red cat sits",
        "a blue cat and a red dog sits",
    }
    assert min(seen.values()) > 60  # 4 equally likely outcomes over 400 draws


def test_every_penn_noun_and_adjective_tag_counts() -> None:
    tokens = ["big", "bigger", "biggest", "Paris", "Alps", "dogs", "dog"]
    tags = ["JJ", "JJR", "JJS", "NNP", "NNPS", "NNS", "NN"]
    seen = outputs(lambda rng: shuffle_nouns_and_adj(tokens, tags, rng), 3000)
    adjectives = {" ".join(p) for p in permutations(tokens[:3])}
    nouns = {" ".join(p) for p in permutations(tokens[3:])}
    assert set(seen) == {f"{a} {n}" for a, n in product(adjectives, nouns)}  # 6 x 24


def test_all_but_nouns_and_adjectives_moves_punctuation_and_clitics_too() -> None:
    # spaCy's tokens of "A man's dog." (tags as en_core_web_sm gives them)
    tokens, tags = ["A", "man", "'s", "dog", "."], ["DT", "NN", "POS", "NN", "."]
    seen = outputs(lambda rng: shuffle_allbut_nouns_and_adj(tokens, tags, rng))
    assert set(seen) == {
        "A man 's dog .",
        "A man . dog 's",
        "'s man A dog .",
        "'s man . dog A",
        ". man A dog 's",
        ". man 's dog A",
    }
    assert min(seen.values()) > 40


def test_trigrams_as_get_trigrams() -> None:
    assert trigrams(list("abcdefg")) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    assert trigrams(list("abc")) == [["a", "b", "c"]]
    assert trigrams([]) == []


def test_within_trigrams_permutes_inside_each_trigram_only() -> None:
    tokens = list("abcdefg")
    seen = outputs(lambda rng: shuffle_within_trigrams(tokens, rng))
    first = {" ".join(p) for p in permutations("abc")}
    second = {" ".join(p) for p in permutations("def")}
    expected = {f"{x} {y} g" for x, y in product(first, second)}
    assert set(seen) <= expected and len(seen) >= 34  # 36 outcomes, 400 draws
    seen_all = outputs(lambda rng: shuffle_within_trigrams(list("abcd"), rng))
    assert set(seen_all) == {f"{' '.join(p)} d" for p in permutations("abc")}


def test_trigram_order_is_permuted_with_trigrams_kept_whole() -> None:
    seen = outputs(lambda rng: shuffle_trigrams(list("abcdefg"), rng))
    chunks = ["a b c", "d e f", "g"]
    assert set(seen) == {" ".join(p) for p in permutations(chunks)}


def test_pre_caption_is_aros() -> None:
    assert pre_caption('A  "Big" dog;\tsits.') == "a big dog sits"
    assert pre_caption("a\tdog") == "a\tdog"  # a single tab is not a word break there either
    assert pre_caption("Hi, (you) ~ there!") == "hi, you there"
    assert pre_caption(" ".join(["w"] * 31)) == " ".join(["w"] * 30)


def test_perturbed_captions_are_joined_tokens_through_pre_caption() -> None:
    caption = "A man's dog."
    tagged = (["A", "man", "'s", "dog", "."], ["DT", "NN", "POS", "NN", "."])
    assert pre_caption(caption) == "a man's dog"
    seen = [perturb(caption, tagged, np.random.default_rng(s)) for s in range(200)]
    assert all(len(p) == 4 for p in seen)
    # nouns: "man" and "dog" swap or not; the split clitic shows either way, as in ARO
    assert {p[0] for p in seen} == {"a man 's dog", "a dog 's man"}
    assert {p[1] for p in seen} == {
        "a man 's dog", "a man dog 's", "'s man a dog", "'s man dog a", "man a dog 's",
        "man 's dog a",
    }  # fmt: skip
    # trigrams of the Treebank tokens A man 's | dog .
    assert {p[3] for p in seen} == {"a man 's dog", "dog a man 's"}
    within = {" ".join(q) for q in permutations(["a", "man", "'s"])}
    assert {p[2] for p in seen} == {f"{w} dog" for w in within}  # "dog ." and ". dog" alike


def test_tags_must_match_tokens() -> None:
    with pytest.raises(ValueError, match="3 tokens but 2 tags"):
        shuffle_nouns_and_adj(["a", "b", "c"], ["NN", "NN"], np.random.default_rng(0))
