"""The recipe fact tables: every recipe cites its facts; hub ids and names select recipes."""

from __future__ import annotations

import pytest

from embedlab.errors import UnknownNameError
from embedlab.models.instructions import TASK_KINDS
from embedlab.models.mllm_recipes import RECIPES, recipe_for_hub_id, recipe_named

REQUIRED_FACTS = ("template", "document instruction", "pooling", "normalisation", "min/max pixels")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_cites_its_facts(name: str) -> None:
    recipe = RECIPES[name]
    facts = {fact.name: fact for fact in recipe.facts}
    for required in REQUIRED_FACTS:
        assert required in facts, f"{name} lacks a cited {required!r}"
    for fact in recipe.facts:
        assert fact.where.startswith("https://") and fact.says
    assert set(recipe.query_instructions) <= set(TASK_KINDS)
    assert recipe.min_pixels < recipe.max_pixels


def test_recipe_values_match_the_cards() -> None:
    gme, qwen3 = RECIPES["gme-qwen2-vl"], RECIPES["qwen3-vl-embedding"]
    assert (gme.min_pixels, gme.max_pixels) == (256 * 28 * 28, 1280 * 28 * 28)
    assert (qwen3.min_pixels, qwen3.max_pixels) == (4096, 1800 * 1024)
    assert gme.document_instruction == "You are a helpful assistant."
    assert qwen3.document_instruction == "Represent the user's input."
    assert gme.max_length == 1800 and gme.positions == "sequential"


def test_hub_ids_and_names_select_recipes() -> None:
    assert recipe_for_hub_id("qwen/qwen3-vl-embedding-2b") is RECIPES["qwen3-vl-embedding"]
    assert recipe_for_hub_id("Alibaba-NLP/gme-Qwen2-VL-2B-Instruct") is RECIPES["gme-qwen2-vl"]
    assert recipe_for_hub_id("openai/clip-vit-base-patch16") is None
    with pytest.raises(UnknownNameError, match="valid mllm recipes: gme-qwen2-vl"):
        recipe_named("gme")
