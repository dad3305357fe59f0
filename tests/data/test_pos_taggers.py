"""Taggers: spaCy's shape (stubbed: the model is not on PyPI), the rules, and their identity."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata

import pytest

from embedlab.data import notices, pos_taggers
from embedlab.data.pos_taggers import (
    RULES_ID,
    RuleTagger,
    SpacyTagger,
    load_tagger,
    penn_tag,
    resolve_tagger,
    spacy_identity,
)
from embedlab.errors import ConfigError, DataWarning, MissingDependencyError


@dataclass(frozen=True)
class StubToken:
    """Shaped like a spaCy ``Token``: ``.text`` and the fine-grained ``.tag_``."""

    text: str
    tag_: str
    pos_: str = "X"  # the coarse tag, which ARO does not read


class StubNlp:
    """Shaped like a spaCy ``Language``: ``nlp(text)`` and ``nlp.pipe(texts)``."""

    def __init__(self, tags: dict[str, str]) -> None:
        self.tags = tags
        self.piped: list[str] = []

    def __call__(self, text: str) -> list[StubToken]:
        return [StubToken(w, self.tags.get(w, "XX"), pos_="NOUN") for w in text.split()]

    def pipe(self, texts: Iterable[str], *, batch_size: int = 1000) -> Iterator[list[StubToken]]:
        for text in texts:
            self.piped.append(text)
            yield self(text)


def installed(*names: str) -> Callable[[str], str]:
    versions = {"spacy": "3.8.18", "en_core_web_sm": "3.8.0"}

    def version(name: str) -> str:
        if name not in names:
            raise metadata.PackageNotFoundError(name)
        return versions[name]

    return version


def test_spacy_tagger_reads_text_and_fine_tags() -> None:
    nlp = StubNlp({"dog": "NN", "red": "JJ"})
    tagger = SpacyTagger(nlp, "spacy:stub")
    assert tagger.tag("a red dog") == (["a", "red", "dog"], ["XX", "JJ", "NN"])
    assert tagger.tag_all(["red", "a dog"]) == [(["red"], ["JJ"]), (["a", "dog"], ["XX", "NN"])]
    assert nlp.piped == ["red", "a dog"]  # many captions go through nlp.pipe
    with_bar = SpacyTagger(nlp, "spacy:stub", progress_from=1)
    assert with_bar.tag_all(["a dog"]) == [(["a", "dog"], ["XX", "NN"])]


def test_rule_tagger_tokens_and_penn_tags() -> None:
    tokens, tags = RuleTagger().tag("A young man's blue shirt.")
    assert tokens == ["A", "young", "man", "'s", "blue", "shirt", "."]
    assert tags == ["XX", "JJ", "NN", "XX", "JJ", "NN", "XX"]
    assert [penn_tag(t) for t in ("N'T", "3", "building", "hanging")] == ["XX", "XX", "NN", "XX"]
    assert RuleTagger().name == RULES_ID == "rules:heuristic-pos-v1+treebank-tokens"


def test_identity_names_model_and_versions() -> None:
    both = installed("spacy", "en_core_web_sm")
    assert spacy_identity(both) == "spacy:en_core_web_sm-3.8.0 (spacy 3.8.18)"
    assert spacy_identity(installed("spacy")) is None
    assert resolve_tagger("auto", both) == spacy_identity(both)
    assert resolve_tagger("spacy", both).startswith("spacy:en_core_web_sm-3.8.0")
    assert resolve_tagger("rules", both) == RULES_ID
    # a recorded identity resolves to what is installed now
    assert resolve_tagger(RULES_ID) == RULES_ID


def test_auto_falls_back_to_the_rules_with_one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pos_taggers, "warn_data", _Recorder())
    none = installed()
    assert resolve_tagger("auto", none) == RULES_ID
    (message,) = pos_taggers.warn_data.messages  # type: ignore[attr-defined]
    assert "python -m spacy download en_core_web_sm" in message and RULES_ID in message
    with pytest.raises(ValueError, match=r"not installed; pip install 'embedlab\[pos\]'"):
        resolve_tagger("spacy", installed("spacy"))
    with pytest.raises(ValueError, match="one of auto, spacy, rules"):
        resolve_tagger("nltk")


def test_the_fallback_warning_is_one_data_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notices, "_ISSUED", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resolve_tagger("auto", installed())
        resolve_tagger("auto", installed())
    assert [w.category for w in caught] == [DataWarning]


def test_loading_spacy_without_it_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(load_tagger(RULES_ID), RuleTagger)
    with pytest.raises(ConfigError, match="tagger=auto, spacy or rules"):
        load_tagger("nltk:punkt")
    pos_taggers._spacy_pipeline.cache_clear()
    monkeypatch.setitem(__import__("sys").modules, "spacy", None)  # import spacy fails
    with pytest.raises(MissingDependencyError, match=r"embedlab\[pos\]"):
        load_tagger("spacy:en_core_web_sm-3.8.0 (spacy 3.8.18)")
    pos_taggers._spacy_pipeline.cache_clear()


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: str) -> None:
        self.messages.append(message)
