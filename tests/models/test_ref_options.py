"""Options after a model reference: ``REF?key=value&...`` (parsing, encoding, errors)."""

from __future__ import annotations

import pytest

from embedlab.errors import ConfigError
from embedlab.models._ref_options import format_ref, parse_ref, with_options

ALLOWED = frozenset({"dim", "pooling", "query_prompt", "document_prompt"})


def test_parse_splits_base_and_decodes_values() -> None:
    parsed = parse_ref("org/name?dim=128&query_prompt=Instruct%3A%20x%0AQuery%3A+", "m", ALLOWED)
    assert parsed.base == "org/name"
    assert parsed.integer("dim", "m") == 128
    assert parsed.options["query_prompt"] == "Instruct: x\nQuery:+"  # '+' stays a plus
    assert parsed.prompts() == {"query": "Instruct: x\nQuery:+"}


def test_empty_value_is_an_explicit_empty_prompt() -> None:
    parsed = parse_ref("a?document_prompt=", "m", ALLOWED)
    assert parsed.prompts() == {"document": ""}
    assert parse_ref("a", "m", ALLOWED).prompts() == {}


@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        ("a?colour=red", "unknown option 'colour'; valid options: dim, document_prompt"),
        ("a?dim=1&dim=2", "option 'dim' is given twice"),
        ("a?dim", "option 'dim' is not written as key=value"),
        ("?dim=3", "has no hub id or path"),
    ],
)
def test_parse_errors_name_the_problem(ref: str, needle: str) -> None:
    with pytest.raises(ConfigError, match="model 'st:x'") as info:
        parse_ref(ref, "st:x", ALLOWED)
    assert needle in str(info.value)


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "abc"])
def test_integer_options_must_be_positive_integers(value: str) -> None:
    with pytest.raises(ConfigError, match=f"dim={value!r} must be an integer >= 1"):
        parse_ref(f"a?dim={value}", "m", ALLOWED).integer("dim", "m")


def test_format_is_the_inverse_of_parse_and_sorted() -> None:
    options = {"query_prompt": "a & b = c\n", "dim": "64"}
    text = format_ref("org/x", options)
    assert text == "org/x?dim=64&query_prompt=a%20%26%20b%20%3D%20c%0A"
    assert parse_ref(text, "m", ALLOWED).options == options
    assert format_ref("org/x", {}) == "org/x"


def test_with_options_adds_and_replaces() -> None:
    assert with_options("st:org/x", dim=128) == "st:org/x?dim=128"
    assert with_options("st:org/x?dim=64&pooling=cls", dim=32) == "st:org/x?dim=32&pooling=cls"
    assert with_options("preset:p", query_prompt="q: ") == "preset:p?query_prompt=q%3A%20"
