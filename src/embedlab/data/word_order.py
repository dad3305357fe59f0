"""ARO's four word-order perturbations of a caption, drawn from a seeded numpy Generator.

ARO (Yuksekgonul et al. 2023, after O'Connor & Andreas 2021) scores a caption against four
perturbed versions of itself. With ``w`` the caption's words (after :func:`pre_caption`):

1. ``shuffle_nouns_and_adj``: nouns are permuted among noun positions and adjectives among
   adjective positions;
2. ``shuffle_allbut_nouns_and_adj``: every other word is permuted among the other positions;
3. ``shuffle_within_trigrams``: ``w`` is cut into consecutive trigrams (the last may be
   shorter) and the words inside each trigram are permuted;
4. ``shuffle_trigrams``: the order of those trigrams is permuted.

Differences from the original code, on purpose: the perturbations permute exactly the
whitespace-separated words of the processed true caption (the original re-tokenises the raw
caption with spaCy/NLTK, so e.g. "man's" becomes "man 's" only in the negatives, a tell a model
can exploit); nouns and adjectives come from :mod:`embedlab.data.pos_heuristic` instead of spaCy;
and a draw that reproduces the caption is redrawn (the original keeps it, and its argmax then
counts the tie as correct). A perturbation that cannot change the caption at all (e.g. a single
noun and a single adjective) yields ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from embedlab.data.pos_heuristic import Tag, coarse_tags

MAX_WORDS = 30
MAX_DRAWS = 64
PERTURBATIONS = (
    "shuffle_nouns_and_adj",
    "shuffle_allbut_nouns_and_adj",
    "shuffle_within_trigrams",
    "shuffle_trigrams",
)
_STRIP = re.compile(r"[.!\"()*#:;~]")

T = TypeVar("T")
Perturb = Callable[[list[str], list[Tag], np.random.Generator], list[str]]


def pre_caption(caption: str, max_words: int = MAX_WORDS) -> str:
    """ARO/BLIP caption cleaning: lower-case, ``.!"()*#:;~`` to spaces, one space, first words.

    ``max_words`` words are kept (30 in ARO's order datasets).
    """
    words = _STRIP.sub(" ", caption.lower()).split()
    return " ".join(words[:max_words])


def perturb(caption: str, rng: np.random.Generator) -> list[str | None]:
    """The four perturbations of ``caption`` (already processed), in :data:`PERTURBATIONS` order.

    Each is drawn until it differs from ``caption`` (at most :data:`MAX_DRAWS` draws); ``None``
    when the perturbation cannot change it.
    """
    words = caption.split()
    tags = coarse_tags(words)
    return [
        _draw(fn, words, tags, rng) if _can_change(i, words, tags) else None
        for i, fn in enumerate(_FUNCTIONS)
    ]


def shuffle_nouns_and_adj(words: list[str], tags: list[Tag], rng: np.random.Generator) -> list[str]:
    """Permute the nouns among noun positions and the adjectives among adjective positions."""
    out = _permute_where(words, [t == "NOUN" for t in tags], rng)
    return _permute_where(out, [t == "ADJ" for t in tags], rng)


def shuffle_allbut_nouns_and_adj(
    words: list[str], tags: list[Tag], rng: np.random.Generator
) -> list[str]:
    """Permute every word that is neither a noun nor an adjective among those positions."""
    return _permute_where(words, [t == "OTHER" for t in tags], rng)


def shuffle_within_trigrams(
    words: list[str], tags: list[Tag], rng: np.random.Generator
) -> list[str]:
    """Permute the words inside each consecutive trigram."""
    return [w for tri in trigrams(words) for w in _permuted(tri, rng)]


def shuffle_trigrams(words: list[str], tags: list[Tag], rng: np.random.Generator) -> list[str]:
    """Permute the order of the consecutive trigrams."""
    chunks = trigrams(words)
    return [w for i in rng.permutation(len(chunks)) for w in chunks[int(i)]]


def trigrams(words: list[str]) -> list[list[str]]:
    """``words`` cut into consecutive groups of three; the last group may be shorter."""
    return [words[i : i + 3] for i in range(0, len(words), 3)]


def _draw(fn: Perturb, words: list[str], tags: list[Tag], rng: np.random.Generator) -> str | None:
    for _ in range(MAX_DRAWS):
        out = fn(words, tags, rng)
        if out != words:
            return " ".join(out)
    return None


def _permute_where(words: list[str], mask: list[bool], rng: np.random.Generator) -> list[str]:
    positions = [i for i, m in enumerate(mask) if m]
    out = list(words)
    for target, source in zip(positions, _permuted(positions, rng), strict=True):
        out[target] = words[source]
    return out


def _permuted(items: Sequence[T], rng: np.random.Generator) -> list[T]:
    return [items[int(i)] for i in rng.permutation(len(items))]


def _can_change(index: int, words: list[str], tags: list[Tag]) -> bool:
    """Whether perturbation ``index`` has any arrangement different from ``words``."""

    def varied(kind: str) -> bool:
        return len({w for w, t in zip(words, tags, strict=True) if t == kind}) > 1

    if index == 0:
        return varied("NOUN") or varied("ADJ")
    if index == 1:
        return varied("OTHER")
    chunks = trigrams(words)
    if index == 2:
        return any(len(set(c)) > 1 for c in chunks)
    return len({tuple(c) for c in chunks}) > 1


_FUNCTIONS: tuple[Perturb, ...] = (
    shuffle_nouns_and_adj,
    shuffle_allbut_nouns_and_adj,
    shuffle_within_trigrams,
    shuffle_trigrams,
)
