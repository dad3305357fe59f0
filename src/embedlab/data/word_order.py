"""ARO's four word-order perturbations of a caption, as its ``TextShuffler`` defines them.

ARO (Yuksekgonul et al. 2023, after O'Connor & Andreas 2021; official code:
``mertyg/vision-language-models-are-bows@81fdd20``, ``dataset_zoo/perturbations.py`` and
``dataset_zoo/aro_datasets.py``) scores ``pre_caption(caption)`` against
``pre_caption(f(caption))`` for four perturbations ``f`` of the *raw* caption:

1. ``shuffle_nouns_and_adj``: on the tagger's tokens ``t`` with Penn tags, the tokens tagged
   ``NN NNS NNP NNPS`` are permuted among their positions, then those tagged ``JJ JJR JJS``;
2. ``shuffle_allbut_nouns_and_adj``: every other token (punctuation and clitics included) is
   permuted among the remaining positions;
3. ``shuffle_within_trigrams``: the Treebank tokens (``nltk.word_tokenize`` in the original,
   :func:`~embedlab.data.caption_tokens.treebank_tokens` here) are cut into consecutive trigrams
   (the last may be shorter) and the tokens inside each trigram are permuted;
4. ``shuffle_trigrams``: the order of those trigrams is permuted.

Each result is the permuted tokens joined by single spaces, then :func:`pre_caption`
(lower-cased, ``.!"()*#:;~`` removed, 30 words kept). So a perturbed caption may show the
tokenisation (``man 's``, ``dog ,``) where the true caption has ``man's``, ``dog,``: that is how
the published numbers were produced. Every permutation is uniform, as the original's.

Randomness: the original draws from the global ``np.random`` (1, 2) and ``random`` (3, 4)
states seeded once (``seed_all(1)``), so a caption's perturbations depend on every caption
before it and on the spaCy version; here each caption's four come from the caller's
``numpy.random.Generator`` in the order above (nouns, adjectives, others, each trigram,
trigram order). The sets of possible outputs are the original's, the draws are not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from embedlab.data.caption_tokens import treebank_tokens

MAX_WORDS = 30
NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
ADJECTIVE_TAGS = frozenset({"JJ", "JJR", "JJS"})
PERTURBATIONS = (
    "shuffle_nouns_and_adj",
    "shuffle_allbut_nouns_and_adj",
    "shuffle_within_trigrams",
    "shuffle_trigrams",
)
_STRIP = re.compile(r"[.!\"()*#:;~]")
_SPACES = re.compile(r"\s{2,}")

T = TypeVar("T")


def pre_caption(caption: str, max_words: int = MAX_WORDS) -> str:
    """ARO/BLIP ``pre_caption``: lower-case, ``.!"()*#:;~`` → space, runs of whitespace → one
    space, trimmed, then the first ``max_words`` space-separated words."""
    text = _SPACES.sub(" ", _STRIP.sub(" ", caption.lower())).rstrip("\n").strip(" ")
    words = text.split(" ")
    return " ".join(words[:max_words]) if len(words) > max_words else text


def perturb(
    caption: str, tagged: tuple[list[str], list[str]], rng: np.random.Generator
) -> list[str]:
    """The four perturbed captions of the raw ``caption``, in :data:`PERTURBATIONS` order.

    Args:
        caption: the raw caption (its Treebank tokens feed the trigram perturbations).
        tagged: the tagger's ``(tokens, Penn tags)`` of ``caption`` (the first two).
        rng: the caption's generator.
    """
    tokens, tags = tagged
    words = treebank_tokens(caption)
    out = [
        shuffle_nouns_and_adj(tokens, tags, rng),
        shuffle_allbut_nouns_and_adj(tokens, tags, rng),
        shuffle_within_trigrams(words, rng),
        shuffle_trigrams(words, rng),
    ]
    return [pre_caption(" ".join(p)) for p in out]


def shuffle_nouns_and_adj(
    tokens: Sequence[str], tags: Sequence[str], rng: np.random.Generator
) -> list[str]:
    """Nouns permuted among noun positions, then adjectives among adjective positions."""
    out = _permute_where(tokens, [t in NOUN_TAGS for t in tags], rng)
    return _permute_where(out, [t in ADJECTIVE_TAGS for t in tags], rng)


def shuffle_allbut_nouns_and_adj(
    tokens: Sequence[str], tags: Sequence[str], rng: np.random.Generator
) -> list[str]:
    """Every token that is neither a noun nor an adjective permuted among those positions."""
    keep = NOUN_TAGS | ADJECTIVE_TAGS
    return _permute_where(tokens, [t not in keep for t in tags], rng)


def shuffle_within_trigrams(tokens: Sequence[str], rng: np.random.Generator) -> list[str]:
    """The tokens inside each consecutive trigram permuted."""
    return [w for tri in trigrams(tokens) for w in _permuted(tri, rng)]


def shuffle_trigrams(tokens: Sequence[str], rng: np.random.Generator) -> list[str]:
    """The order of the consecutive trigrams permuted."""
    chunks = trigrams(tokens)
    return [w for i in rng.permutation(len(chunks)) for w in chunks[int(i)]]


def trigrams(tokens: Sequence[str]) -> list[list[str]]:
    """``tokens`` cut into consecutive groups of three; the last group may be shorter."""
    return [list(tokens[i : i + 3]) for i in range(0, len(tokens), 3)]


def _permute_where(tokens: Sequence[str], mask: list[bool], rng: np.random.Generator) -> list[str]:
    if len(mask) != len(tokens):
        raise ValueError(f"{len(tokens)} tokens but {len(mask)} tags")
    positions = [i for i, m in enumerate(mask) if m]
    out = list(tokens)
    for target, source in zip(positions, _permuted(positions, rng), strict=True):
        out[target] = tokens[source]
    return out


def _permuted(items: Sequence[T], rng: np.random.Generator) -> list[T]:
    return [items[int(i)] for i in rng.permutation(len(items))]
