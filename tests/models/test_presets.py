"""Named presets: documented prompts, Matryoshka dims, overrides and provenance (no loading)."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.errors import ConfigError, UnknownNameError
from embedlab.models.presets import PRESETS, get_preset, preset_model
from embedlab.models.registry import get_source, parse_model

QWEN_QUERY = (
    "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:"
)


@pytest.fixture(autouse=True)
def offline_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def describe(text: str) -> dict[str, object]:
    spec = parse_model(text)
    info = get_source(spec).describe(spec)
    assert isinstance(info, dict)
    return info


@pytest.mark.parametrize(
    ("name", "query", "document"),
    [
        ("embeddinggemma-300m", "task: search result | query: ", "title: none | text: "),
        ("qwen3-embedding-0.6b", QWEN_QUERY, ""),
        ("bge-m3", "", ""),
        ("all-minilm-l6-v2", "", ""),
    ],
)
def test_documented_prompts_are_recorded(name: str, query: str, document: str) -> None:
    info = describe(f"preset:{name}")
    assert info["prompts"] == {"query": query, "document": document}
    origin = f"preset:{name}"
    assert info["prompt_origins"] == {"query": origin, "document": origin}
    assert info["preset"] == name and str(info["reference"]).startswith("https://huggingface.co/")


def test_prompt_override_wins_and_is_recorded() -> None:
    info = describe("preset:qwen3-embedding-0.6b?query_prompt=Query%3A%20&document_prompt=")
    assert info["prompts"] == {"query": "Query: ", "document": ""}
    assert info["prompt_origins"] == {"query": "option", "document": "option"}


def test_matryoshka_training_is_known_per_preset() -> None:
    assert describe("preset:embeddinggemma-300m?dim=256")["matryoshka"] == {
        "dim": 256,
        "trained": True,
        "warning": None,
    }
    gemma_100 = describe("preset:embeddinggemma-300m?dim=100")["matryoshka"]
    assert isinstance(gemma_100, dict) and gemma_100["trained"] is False
    assert "trained for Matryoshka dims 128, 256, 512, 768, not 100" in gemma_100["warning"]
    assert describe("preset:qwen3-embedding-0.6b?dim=64")["matryoshka"]["trained"] is True  # type: ignore[index]
    minilm = describe("preset:all-minilm-l6-v2?dim=128")["matryoshka"]
    assert isinstance(minilm, dict) and "was not trained" in minilm["warning"]


def test_names_are_case_insensitive_and_unknown_names_list_the_presets() -> None:
    assert get_preset("BGE-M3") is PRESETS["bge-m3"]
    with pytest.raises(UnknownNameError, match="valid presets: all-minilm-l6-v2, bge-m3"):
        get_preset("e5-large")
    with pytest.raises(ConfigError, match="unknown option 'pooling'"):
        describe("preset:bge-m3?pooling=cls")


def test_bare_preset_names_become_preset_models() -> None:
    assert preset_model("embeddinggemma-300m?dim=256") == "preset:embeddinggemma-300m?dim=256"
    assert preset_model("st:all-MiniLM-L6-v2") == "st:all-MiniLM-L6-v2"
    assert preset_model("unknown-model") == "unknown-model"


def test_preset_fingerprints_differ_from_st_and_by_dim() -> None:
    names = ["preset:all-minilm-l6-v2", "preset:all-minilm-l6-v2?dim=64", "st:all-MiniLM-L6-v2"]
    prints = {get_source(parse_model(n)).fingerprint(parse_model(n)) for n in names}
    assert len(prints) == 3


@pytest.mark.parametrize(
    ("name", "hub_id"),
    [("colpali-v1.3", "vidore/colpali-v1.3-hf"), ("colqwen2-v1.0", "vidore/colqwen2-v1.0-hf")],
)
def test_late_interaction_presets_stand_for_hf_checkpoints(name: str, hub_id: str) -> None:
    for text in (f"preset:{name}", name, name.upper()):
        spec = parse_model(text)
        assert (spec.source, spec.ref) == ("hf", hub_id)
    preset = get_preset(name)
    assert preset.loader == "hf" and preset.reference.startswith(f"https://huggingface.co/{hub_id}")
    assert "128-dim token vectors" in preset.note
    assert preset_model(f"{name}?x=1") == f"hf:{hub_id}?x=1"
