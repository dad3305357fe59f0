"""Treebank-style word tokens of a caption, as NLTK's ``word_tokenize`` gives them (no NLTK).

ARO's trigram perturbations cut ``nltk.word_tokenize(caption)`` into trigrams; its POS-based
perturbations use spaCy's tokens. Both split punctuation and clitics off words, so the
perturbed captions contain ``man 's`` or ``dog ,`` where the true caption has ``man's`` and
``dog,``. :func:`treebank_tokens` follows the Penn Treebank rules NLTK applies, for the text
captions contain (one regular-expression pass each, in this order):

1. ``« “ ‘ „`` and backquotes are split off; opening double quotes (at the start, or after a
   space or bracket) become ````; an opening ``'`` before a one-letter word is split off;
2. a final period (before closing brackets or quotes) is split off, and one before spaces and
   a capital letter (NLTK's sentence splitter runs first); ``,`` and ``:`` not followed by a
   digit, runs of periods, ``; @ # $ % &``, dashes ``‒ – — ―``, ``? !``, ``*`` and a ``'``
   before a space are split off;
3. brackets ``()[]{}<>`` and ``--`` are split off;
4. ``» ” ’`` are split off, the remaining double quotes become ``''``; the clitics ``'s 'm 'd
   'll 're 've n't`` (any case) and a closing ``'`` are split off the word they end.

These are NLTK 3.8's rules (ARO's environment installs the NLTK of early 2023; NLTK 3.9 also
splits an opening ``'`` before longer words, ``'big'`` → ``' big '``). Not covered (rare in
captions): NLTK's contraction splits (``cannot`` → ``can not``, ``gonna``...) and its
abbreviation list in sentence splitting (``Mr. Smith`` is split after ``Mr.`` here). The
rule-based tagger (:mod:`embedlab.data.pos_taggers`) uses the same tokens in place of spaCy's.
"""

from __future__ import annotations

import re

_Rule = tuple[re.Pattern[str], str]


def _rules(*pairs: tuple[str, str]) -> tuple[_Rule, ...]:
    return tuple((re.compile(pattern), repl) for pattern, repl in pairs)


_STARTING_QUOTES = _rules(
    ("([«“‘„]|`+)", r" \1 "),
    (r'^"', "``"),
    (r"(``)", r" \1 "),
    (r'([ (\[{<])("|\'{2})', r"\1 `` "),
    (r"(?i)(')(?!re|ve|ll|m|t|s|d|n)(\w)\b", r"\1 \2"),
)
_PUNCTUATION = _rules(
    (r"([^.])(\.)([\]\)}>\"'»”’ ]*)\s*$", r"\1 \2 \3 "),
    (r"([:,])([^\d])", r" \1 \2"),
    (r"([:,])$", r" \1 "),
    (r"\.{2,}", r" \g<0> "),
    (r"[;@#$%&]", r" \g<0> "),
    ("[\u2012-\u2015]", r" \g<0> "),
    (r"([^.\s])(\.)(\s+[A-Z])", r"\1 \2\3"),
    (r"[?!]", r" \g<0> "),
    (r"([^'])' ", r"\1 ' "),
    (r"[*]", r" \g<0> "),
)
_BRACKETS = _rules((r"[\]\[(){}<>]", r" \g<0> "), (r"--", " -- "))
_ENDING_QUOTES = _rules(
    ("([»”’])", r" \1 "),
    (r"''", " '' "),
    (r'"', " '' "),
    (r"\s+", " "),
    (r"([^' ])('[sS]|'[mM]|'[dD]|') ", r"\1 \2 "),
    (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 "),
)


def treebank_tokens(text: str) -> list[str]:
    """The Treebank-style tokens of ``text`` (see the module docstring)."""
    for pattern, repl in (*_STARTING_QUOTES, *_PUNCTUATION, *_BRACKETS):
        text = pattern.sub(repl, text)
    text = f" {text} "
    for pattern, repl in _ENDING_QUOTES:
        text = pattern.sub(repl, text)
    return text.split()
