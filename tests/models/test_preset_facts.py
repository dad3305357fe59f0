"""Each issue-#14 preset's published facts against the architecture embedlab builds for it.

One case per preset and per check: the facts (:class:`~embedlab.models.presets.PresetFacts`,
cited in ``docs/presets.md``) must agree with the shipped ``arch:`` config: embedding width,
context length (tokenizer limit and position table), image side, resize mode, resample filter
(PIL's code, named by PIL itself), mean/std (the image processor transformers builds from the
file, for CLIP and SigLIP), and the parameter count of the model built on torch's ``meta``
device (no memory) within 2 % of the published count. A preset whose ``arch:`` config is
missing fails with a message naming it. The model strings must resolve to the source and
reference written out here by hand, the text presets' loader settings to the cards' prompts,
and a guard checks every preset's facts are complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedlab.models.presets import PRESETS, Preset, PresetFacts, hub_ref
from embedlab.models.registry import parse_model
from embedlab.models.sources.arch import ArchConfig, shipped_configs

#: The twelve presets of issue #14: the reference report's seven, then the cross-runtime five.
TWELVE = (
    "dfn5b-clip-vit-h-14-378",
    "clip-vit-h-14-laion2b",
    "metaclip-h14-fullcc2.5b",
    "colpali-v1.3",
    "jina-clip-v1",
    "siglip-so400m-patch14-384",
    "clip-vit-l-14-336",
    "embeddinggemma-300m",
    "qwen3-embedding-0.6b",
    "bge-m3",
    "siglip-base-patch16-224",
    "clip-vit-b-16",
)
#: What each model string must resolve to (``source``, ``ref`` without options), by hand.
RESOLVES_TO = {
    "dfn5b-clip-vit-h-14-378": ("open_clip", "hf-hub:apple/DFN5B-CLIP-ViT-H-14-378"),
    "clip-vit-h-14-laion2b": ("open_clip", "hf-hub:laion/CLIP-ViT-H-14-laion2B-s32B-b79K"),
    "metaclip-h14-fullcc2.5b": ("hf", "facebook/metaclip-h14-fullcc2.5b"),
    "colpali-v1.3": ("hf", "vidore/colpali-v1.3-hf"),
    "jina-clip-v1": ("remote", "jinaai/jina-clip-v1"),
    "siglip-so400m-patch14-384": ("hf", "google/siglip-so400m-patch14-384"),
    "clip-vit-l-14-336": ("hf", "openai/clip-vit-large-patch14-336"),
    "siglip-base-patch16-224": ("hf", "google/siglip-base-patch16-224"),
    "clip-vit-b-16": ("hf", "openai/clip-vit-base-patch16"),
}
#: The text presets' prompts as their cards / sentence-transformers configs give them.
CARD_PROMPTS = {
    "embeddinggemma-300m": {
        "query": "task: search result | query: ",
        "document": "title: none | text: ",
    },
    "qwen3-embedding-0.6b": {
        "query": "Instruct: Given a web search query, retrieve relevant passages that answer "
        "the query\nQuery:",
        "document": "",
    },
    "bge-m3": {"query": "", "document": ""},
}
#: PIL's resample codes in the image-processor files: 3 = bicubic, 2 = bilinear.
IMAGE_FIELDS = ("resolution", "interpolation", "resize", "mean", "std")


def facts_of(name: str) -> PresetFacts:
    facts = PRESETS[name].facts
    assert facts is not None, f"preset {name} has no facts"
    return facts


def arch_of(name: str) -> ArchConfig:
    """The preset's shipped ``arch:`` config; fails (never skips) when it is not there."""
    arch_id = facts_of(name).arch_id
    configs = shipped_configs()
    assert arch_id in configs, (
        f"preset {name}: no arch config {arch_id!r} in models/arch_configs/ (shipped: "
        f"{', '.join(sorted(configs))}); the architecture must land with the preset's facts"
    )
    return configs[arch_id]


def meta_parameter_count(config: ArchConfig) -> int:
    """Parameters of the model built from ``config`` on the meta device."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    if config.family in ("clip", "siglip"):
        from embedlab.models.sources.arch import build_model

        with torch.device("meta"):
            model = build_model(transformers, config, seed=0)
        return int(sum(p.numel() for p in model.parameters()))
    if config.multi_vector:
        from embedlab.models.encoders import colvision_arch

        built = colvision_arch.model_config(transformers, config.family, config.model)
        return colvision_arch.parameter_count(transformers, config.family, built)
    if config.family == "text":
        from embedlab.models.encoders import text_arch

        return text_arch.parameter_count(config.model, config.text.get("dense") or [])
    if config.family == "jina_clip":
        from embedlab.models.encoders import jina_clip_arch

        return jina_clip_arch.parameter_count(config.model)
    raise AssertionError(f"no meta-device parameter count for family {config.family!r}")


def position_table(config: ArchConfig) -> int:
    """Text positions of the architecture (the transformers config's, defaults included)."""
    transformers = pytest.importorskip("transformers")
    if config.multi_vector:
        from embedlab.models.encoders import colvision_arch

        built = colvision_arch.model_config(transformers, config.family, config.model)
        return int(built.vlm_config.text_config.max_position_embeddings)
    text = config.model.get("text_config", config.model)
    return int(text["max_position_embeddings"])


def image_settings(config: ArchConfig) -> dict[str, Any]:
    """Size, crop, resample and mean/std: from the processor transformers builds (CLIP,
    SigLIP) or the config file's ``image_processor`` section (the other families)."""
    settings = dict(config.image_processor)
    if config.family in ("clip", "siglip"):
        transformers = pytest.importorskip("transformers")
        from embedlab.models.sources.arch import build_image_processor

        built = build_image_processor(transformers, config)
        size, crop = built.size, getattr(built, "crop_size", None)
        settings = {
            "size": {k: getattr(size, k) for k in ("height", "width", "shortest_edge")},
            "crop_size": None if crop is None else {"height": crop.height, "width": crop.width},
            "do_center_crop": bool(built.do_center_crop),
            "resample": int(built.resample),
            "image_mean": built.image_mean,
            "image_std": built.image_std,
        }
    return settings


@pytest.mark.parametrize("name", TWELVE)
def test_embedding_width_is_the_architectures(name: str) -> None:
    assert arch_of(name).embedding_dim == facts_of(name).embedding_dim


@pytest.mark.parametrize("name", TWELVE)
def test_context_length_is_the_tokenizer_limit_and_fits_the_positions(name: str) -> None:
    config, facts = arch_of(name), facts_of(name)
    declared = [config.tokenizer.get("model_max_length"), config.text.get("max_length")]
    assert all(limit in (None, facts.context_length) for limit in declared), declared
    # XLM-RoBERTa (bge-m3) offsets its positions by the padding id + 1: 8194 = 8192 + 2.
    assert 0 <= position_table(config) - facts.context_length <= 2


@pytest.mark.parametrize("name", [n for n in TWELVE if facts_of(n).resolution is not None])
def test_image_preprocessing_is_the_architectures(name: str) -> None:
    from PIL import Image

    config, facts = arch_of(name), facts_of(name)
    settings = image_settings(config)
    size = settings["size"]
    assert config.image_size == facts.resolution
    if size.get("shortest_edge"):
        assert settings["do_center_crop"] is True
        assert size["shortest_edge"] == facts.resolution
        side = facts.resolution
        assert settings["crop_size"] == {"height": side, "width": side}
        assert facts.resize == "shortest-center-crop"
    else:
        assert not settings.get("do_center_crop")
        assert size["height"] == size["width"] == facts.resolution
        assert facts.resize == "squash"
    assert Image.Resampling(settings["resample"]).name.lower() == facts.interpolation
    assert tuple(settings["image_mean"]) == pytest.approx(facts.mean, abs=1e-8)
    assert tuple(settings["image_std"]) == pytest.approx(facts.std, abs=1e-8)


@pytest.mark.parametrize("name", TWELVE)
def test_published_parameter_count_matches_the_meta_built_model(name: str) -> None:
    facts = facts_of(name)
    count = meta_parameter_count(arch_of(name))
    assert abs(count / facts.params - 1) < 0.02, (count, facts.params)


@pytest.mark.parametrize("name", sorted(RESOLVES_TO))
def test_model_string_resolves_to_the_source_and_ref(name: str) -> None:
    source, ref = RESOLVES_TO[name]
    preset = PRESETS[name]
    assert (preset.loader, hub_ref(preset)) == (source, ref)
    for text in (name, name.upper(), f"preset:{name}"):
        spec = parse_model(text)
        base, _, options = spec.ref.partition("?")
        assert (spec.source, base) == (source, ref)
        assert spec.name.startswith(f"{source}:{ref}")
        if "revision=" in options:  # a pinned revision, if carried in the ref, is the preset's
            assert f"revision={preset.revision}" in options
    assert preset.remote_code is (source == "remote")


@pytest.fixture
def offline_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.usefixtures("offline_empty_cache")
@pytest.mark.parametrize("name", sorted(CARD_PROMPTS))
def test_text_preset_loader_settings_are_the_cards(name: str) -> None:
    from embedlab.models.sources.preset import preset_settings

    preset, settings = preset_settings(parse_model(name))
    facts = facts_of(name)
    assert (preset.name, settings.source, settings.preset) == (name, "st", name)
    assert settings.preset_prompts == CARD_PROMPTS[name]
    # Pooling and length are the checkpoint's own sentence-transformers config (not overridden).
    assert settings.pooling is None and settings.max_length is None
    dims = settings.trained_dims or ()
    assert not dims or max(dims) == facts.embedding_dim
    arch = shipped_configs().get(facts.arch_id or "")
    if arch is not None:  # the arch config quotes the same prompts from the same card
        assert arch.text.get("prompts") == CARD_PROMPTS[name]


@pytest.mark.parametrize("preset", PRESETS.values(), ids=list(PRESETS))
def test_every_preset_has_complete_facts(preset: Preset) -> None:
    facts = preset.facts
    assert facts is not None, f"{preset.name}: no facts"
    assert facts.params > 0 and facts.embedding_dim > 0 and facts.context_length > 0
    assert facts.license and preset.reference and preset.note
    # Download size agrees with 16- or 32-bit storage of the published parameter count.
    bytes_per_param = facts.weights_gb * 1e9 / facts.params
    assert min(abs(bytes_per_param / width - 1) for width in (2, 4)) < 0.07, bytes_per_param
    image = [getattr(facts, field) for field in IMAGE_FIELDS]
    if facts.modality == "text":
        assert image == [None] * len(IMAGE_FIELDS)
    elif preset.loader == "mllm" or (facts.modality == "late-interaction" and not facts.resolution):
        assert facts.mean is not None and facts.std is not None  # dynamic resolution
    else:
        assert None not in image, f"{preset.name}: image facts incomplete: {image}"
        assert facts.interpolation in ("bicubic", "bilinear")
        assert facts.resize in ("squash", "shortest-center-crop")
    if preset.revision is not None:
        assert len(preset.revision) == 40 and int(preset.revision, 16) >= 0
    if facts.arch_id is not None:
        assert facts.arch_id in shipped_configs(), f"{preset.name}: no arch:{facts.arch_id}"


def test_the_twelve_have_distinct_hub_ids_and_arch_ids() -> None:
    hub_ids = [PRESETS[name].hub_id.casefold() for name in PRESETS]
    assert len(hub_ids) == len(set(hub_ids))
    arch_ids = [facts_of(name).arch_id for name in TWELVE]
    assert arch_ids == [PRESETS[name].hub_id for name in TWELVE]
    assert set(TWELVE) <= set(PRESETS)
