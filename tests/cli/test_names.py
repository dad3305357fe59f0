"""Unknown names suggest the closest valid ones; a bare --model mentions presets."""

from __future__ import annotations

import pytest

from embedlab._registry import Registry
from embedlab.errors import ConfigError, UnknownNameError, did_you_mean
from embedlab.models.registry import parse_model
from embedlab.tasks.base import TASKS


def test_registry_suggests_the_closest_names() -> None:
    registry: Registry[int] = Registry("widget")
    for name in ("alpha", "beta", "gamma-ray"):
        registry.register(name)(0)
    with pytest.raises(UnknownNameError) as err:
        registry.get("gamma-rays")
    assert str(err.value) == (
        "unknown widget 'gamma-rays' (did you mean 'gamma-ray'?); valid widgets: alpha, beta, "
        "gamma-ray"
    )
    with pytest.raises(UnknownNameError, match=r"^unknown widget 'zzz'; valid widgets:"):
        registry.get("zzz")


def test_every_registry_benefits() -> None:
    with pytest.raises(UnknownNameError, match=r"'shaps' \(did you mean 'shapes'"):
        TASKS.get("shaps")
    with pytest.raises(UnknownNameError, match=r"'fak' \(did you mean 'fake'\?\)"):
        parse_model("fak:16")


def test_did_you_mean_is_case_insensitive_and_names_up_to_three() -> None:
    assert (
        did_you_mean("COCO", ["coco-karpathy", "coco"])
        == " (did you mean 'coco' or 'coco-karpathy'?)"
    )
    assert did_you_mean("x", ["alpha"]) == ""
    assert did_you_mean("aro-vg", ["aro-vg-relation", "aro-vg-attribution", "aro", "x"]) == (
        " (did you mean 'aro-vg-attribution' or 'aro-vg-relation' or 'aro'?)"
    )


def test_bare_model_name_mentions_presets_and_the_closest_one() -> None:
    with pytest.raises(ConfigError) as err:
        parse_model("all-minilm-l6")
    message = str(err.value)
    assert "is neither a preset name (did you mean 'all-minilm-l6-v2'?) nor SOURCE:REF" in message
    assert "embedlab list" in message
    with pytest.raises(ConfigError, match=r"'foo' is neither a preset name nor SOURCE:REF"):
        parse_model("foo")
    assert parse_model("all-minilm-l6-v2").source == "preset"
