"""Part-of-speech taggers for ARO's order perturbations: spaCy (official) or built-in rules.

ARO's ``TextShuffler`` tags a caption with spaCy's ``en_core_web_sm`` and reads each token's
``.text`` and fine-grained Penn tag ``.tag_`` (nouns: ``NN NNS NNP NNPS``, adjectives:
``JJ JJR JJS``). A :class:`PosTagger` gives the same two lists for a raw caption:

* :class:`SpacyTagger`: any spaCy-shaped pipeline (``nlp(text)`` yields tokens with ``.text``
  and ``.tag_``; ``nlp.pipe(texts)`` for many), loaded as ``spacy.load("en_core_web_sm")``
  when the package (``pip install 'embedlab[pos]'``) and the model
  (``python -m spacy download en_core_web_sm``) are installed;
* :class:`RuleTagger`: the offline fallback, Treebank-style tokens
  (:mod:`embedlab.data.caption_tokens`) tagged ``NN`` / ``JJ`` / ``XX`` by
  :mod:`embedlab.data.pos_heuristic`.

Tagger choice (the ``tagger`` parameter of the order tasks): ``auto`` (spaCy when installed,
else the rules, with one warning), ``spacy`` (refused when not installed) or ``rules``. It is
resolved before any work to an identity string naming the tagger and its versions
(:func:`resolve_tagger`), which enters the task parameters (so the finished-part key) and the
results; only the versions are read then (package metadata), spaCy is imported when used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Protocol

from embedlab.core.progress import rich_progress
from embedlab.data.caption_tokens import treebank_tokens
from embedlab.data.notices import warn_data
from embedlab.data.pos_heuristic import TAGGER, coarse_tag
from embedlab.errors import ConfigError, MissingDependencyError

SPACY_MODEL = "en_core_web_sm"
RULES_ID = f"rules:{TAGGER}+treebank-tokens"
CHOICES = ("auto", "spacy", "rules")
INSTALL_HINT = "pip install 'embedlab[pos]' && python -m spacy download en_core_web_sm"
_CLITICS = frozenset({"'s", "'m", "'d", "'ll", "'re", "'ve", "n't", "'"})
_PENN = {"NOUN": "NN", "ADJ": "JJ", "OTHER": "XX"}

Tagged = tuple[list[str], list[str]]


class PosTagger(Protocol):
    """Tokens and Penn tags of raw captions."""

    @property
    def name(self) -> str:
        """Identity: tagger, model and versions (recorded with the results)."""
        ...

    def tag_all(self, texts: Sequence[str]) -> list[Tagged]:
        """``(tokens, tags)`` of each text, in order."""
        ...


class SpacyToken(Protocol):
    """What ARO reads of a spaCy token."""

    @property
    def text(self) -> str: ...

    @property
    def tag_(self) -> str: ...


class SpacyPipeline(Protocol):
    """What embedlab calls of a spaCy ``Language``: ``nlp(text)`` and ``nlp.pipe(texts)``."""

    def __call__(self, text: str) -> Iterable[SpacyToken]: ...

    def pipe(
        self, texts: Iterable[str], *, batch_size: int = ...
    ) -> Iterator[Iterable[SpacyToken]]: ...


@dataclass(frozen=True)
class SpacyTagger:
    """A spaCy pipeline as a :class:`PosTagger` (``token.text``, ``token.tag_``, as ARO)."""

    nlp: SpacyPipeline
    name: str
    progress_from: int = 2000

    def tag(self, text: str) -> Tagged:
        """Tokens and tags of one caption."""
        return _tagged(self.nlp(text))

    def tag_all(self, texts: Sequence[str]) -> list[Tagged]:
        """Every caption through ``nlp.pipe`` (a progress bar for large sets)."""
        docs = self.nlp.pipe(texts, batch_size=256)
        if len(texts) < self.progress_from:
            return [_tagged(doc) for doc in docs]
        out: list[Tagged] = []
        with rich_progress(f"tagging {len(texts)} captions ({SPACY_MODEL})", len(texts)) as step:
            for doc in docs:
                out.append(_tagged(doc))
                step(1)
        return out


@dataclass(frozen=True)
class RuleTagger:
    """The offline fallback: Treebank-style tokens, rule tags ``NN`` / ``JJ`` / ``XX``."""

    name: str = RULES_ID

    def tag(self, text: str) -> Tagged:
        """Tokens and tags of one caption; clitics and tokens without letters are ``XX``."""
        tokens = treebank_tokens(text)
        return tokens, [penn_tag(t) for t in tokens]

    def tag_all(self, texts: Sequence[str]) -> list[Tagged]:
        """:meth:`tag` of each caption."""
        return [self.tag(t) for t in texts]


def penn_tag(token: str) -> str:
    """The rule tagger's Penn-style tag of one token."""
    if token.lower() in _CLITICS or not any(c.isalpha() for c in token):
        return "XX"
    return _PENN[coarse_tag(token)]


def spacy_identity(version: Callable[[str], str] | None = None) -> str | None:
    """``spacy:en_core_web_sm-<v> (spacy <v>)`` when both are installed, else None (cheap:
    ``version``, by default :func:`importlib.metadata.version`, reads package metadata)."""
    version = version or metadata.version
    try:
        return f"spacy:{SPACY_MODEL}-{version(SPACY_MODEL)} (spacy {version('spacy')})"
    except metadata.PackageNotFoundError:
        return None


def resolve_tagger(choice: str, version: Callable[[str], str] | None = None) -> str:
    """The identity of the tagger ``choice`` (``auto``/``spacy``/``rules``, or an identity).

    ``auto`` falls back to the rules with one :class:`~embedlab.errors.DataWarning`.

    Raises:
        ValueError: an unknown choice, or ``spacy`` when spaCy or its model is missing.
    """
    kind = choice.split(":", 1)[0].strip()
    if kind not in CHOICES:
        raise ValueError(f"tagger must be one of {', '.join(CHOICES)}, got {choice!r}")
    if kind == "rules":
        return RULES_ID
    identity = spacy_identity(version)
    if identity is not None:
        return identity
    if kind == "spacy":
        raise ValueError(f"spaCy or its {SPACY_MODEL} model is not installed; {INSTALL_HINT}")
    warn_data(
        f"ARO order perturbations: spaCy's {SPACY_MODEL} (the official tagger) is not "
        f"installed, using the built-in rule tagger ({RULES_ID}); for the official one: "
        f"{INSTALL_HINT}"
    )
    return RULES_ID


def load_tagger(identity: str) -> PosTagger:
    """The tagger a :func:`resolve_tagger` identity names (spaCy is imported here)."""
    if identity == RULES_ID:
        return RuleTagger()
    if identity.startswith("spacy:"):
        return SpacyTagger(_spacy_pipeline(), identity)
    raise ConfigError(f"unknown tagger {identity!r}; use -T tagger=auto, spacy or rules")


@functools.cache
def _spacy_pipeline() -> SpacyPipeline:
    purpose = "ARO's order perturbations with spaCy's tagger"
    try:
        import spacy
    except ImportError:
        raise MissingDependencyError("spacy", "pos", purpose) from None
    try:
        nlp: SpacyPipeline = spacy.load(SPACY_MODEL)
    except OSError as exc:
        raise ConfigError(
            f"{purpose}: cannot load {SPACY_MODEL} ({exc}); "
            f"install it with: python -m spacy download {SPACY_MODEL}"
        ) from None
    return nlp


def _tagged(doc: Iterable[SpacyToken]) -> Tagged:
    tokens = list(doc)
    return [t.text for t in tokens], [t.tag_ for t in tokens]
