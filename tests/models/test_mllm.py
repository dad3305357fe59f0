"""The ``mllm`` source on tiny Qwen2-VL / Qwen3-VL checkpoints built in the session.

The embeddings embedlab computes are compared with a hand-written reference of each card's
procedure (literal template string → transformers backbone forward, one item at a time →
hidden state of the last token → L2 normalisation), so the padding side and the batch
composition of embedlab's batched path are checked at the same time.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedlab.errors import ConfigError, ModelError
from embedlab.models.encoders.mllm import ContextOverflowWarning, MLLMEncoder, pixel_groups
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources.mllm import MLLM_SOURCE
from tests.models._mllm_builders import save_tiny_qwen2_vl, save_tiny_qwen3_vl

PIXELS = "min_pixels=256&max_pixels=1024"
TEXTS = ["a red circle", "two blue squares and a small green triangle next to a large star", "dog"]
QWEN3_SYSTEM = "<|im_start|>system\n{}<|im_end|>\n<|im_start|>user\n{}<|im_end|>\n"
VISION = "<|vision_start|><|image_pad|><|vision_end|>"


def _images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    sizes = [(40, 24), (16, 16), (64, 48)]
    return [Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)) for w, h in sizes]


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("mllm")
    save_tiny_qwen2_vl(root / "qwen2")
    save_tiny_qwen3_vl(root / "qwen3")
    return {"qwen2": root / "qwen2", "qwen3": root / "qwen3"}


def _model(folders: dict[str, Path], family: str, extra: str = "") -> str:
    recipe = "gme-qwen2-vl" if family == "qwen2" else "qwen3-vl-embedding"
    return f"mllm:{folders[family]}?recipe={recipe}&{PIXELS}{extra}"


@pytest.fixture(scope="module")
def encoders(folders: dict[str, Path]) -> dict[str, MLLMEncoder]:
    out = {}
    for family in ("qwen2", "qwen3"):
        spec = parse_model(_model(folders, family))
        out[family] = MLLM_SOURCE.load(spec)
    return out


def _reference(folder: Path, family: str, text: str, image: Any, instruction: str) -> Any:
    """The card's procedure by hand, for one item (no padding)."""
    import torch
    import transformers

    processor = transformers.AutoProcessor.from_pretrained(folder)
    backbone = "Qwen2VLModel" if family == "qwen2" else "Qwen3VLModel"
    model = getattr(transformers, backbone).from_pretrained(folder).eval()
    content = (VISION if image is not None else "") + text
    prompt = QWEN3_SYSTEM.format(instruction, content) + "<|im_start|>assistant\n"
    if family == "qwen2":  # gme_inference.py appends <|endoftext|>
        prompt += "<|endoftext|>"
    kwargs: dict[str, Any] = {"return_tensors": "pt"}
    if image is not None:
        kwargs["images"] = [image]
        kwargs["size"] = {"shortest_edge": 256, "longest_edge": 1024}
    inputs = dict(processor(text=[prompt], **kwargs))
    if family == "qwen2":  # GME's forward: plain sequential positions
        inputs["position_ids"] = torch.arange(inputs["input_ids"].shape[1])[None]
    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state[0, -1]
    return (hidden / hidden.norm()).numpy()


@pytest.mark.parametrize("family", ["qwen2", "qwen3"])
def test_embeddings_equal_the_cards_procedure(
    folders: dict[str, Path], encoders: dict[str, MLLMEncoder], family: str
) -> None:
    encoder = encoders[family]
    query = "find an image that matches given text"
    texts = encoder.encode_instructed(TEXTS, query)
    images = encoder.encode_images(_images())
    document = encoder.recipe.document_instruction
    for i, text in enumerate(TEXTS):
        expected = _reference(folders[family], family, text, None, query)
        np.testing.assert_allclose(texts[i], expected, atol=1e-5)
    for i, image in enumerate(_images()):
        expected = _reference(folders[family], family, "", image, document)
        np.testing.assert_allclose(images[i], expected, atol=1e-5)
    assert np.allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("family", ["qwen2", "qwen3"])
def test_padding_side_and_batch_composition_do_not_change_an_item(
    encoders: dict[str, MLLMEncoder], family: str
) -> None:
    encoder = encoders[family]
    right = encoder.encode_instructed(TEXTS, "represent user's input")
    alone = np.stack([encoder.encode_instructed([t], "represent user's input")[0] for t in TEXTS])
    tokenizer = encoder.processor.tokenizer
    tokenizer.padding_side = "left"
    try:
        left = encoder.encode_instructed(TEXTS, "represent user's input")
        left_images = encoder.encode_images(_images())
    finally:
        tokenizer.padding_side = "right"
    np.testing.assert_allclose(left, right, atol=1e-5)
    np.testing.assert_allclose(alone, right, atol=1e-5)
    one_by_one = np.stack([encoder.encode_images([im])[0] for im in _images()])
    np.testing.assert_allclose(left_images, one_by_one, atol=1e-5)


def test_instructions_change_query_embeddings(encoders: dict[str, MLLMEncoder]) -> None:
    encoder = encoders["qwen3"]
    plain = encoder.encode_instructed(TEXTS, "represent user's input")
    instructed = encoder.encode_instructed(TEXTS, "find an image that matches given text")
    assert np.abs(plain - instructed).max() > 1e-3


def test_pixel_groups_keep_each_pass_within_the_budget() -> None:
    assert pixel_groups([100, 100, 300, 50, 400], budget=250) == [[0, 1], [2], [3], [4]]
    assert pixel_groups([500], budget=100) == [[0]]  # an oversized image still runs, alone
    assert pixel_groups([], budget=10) == []


def test_images_are_batched_by_pixel_budget(folders: dict[str, Path]) -> None:
    spec = parse_model(_model(folders, "qwen3", "&pixel_budget=600"))
    encoder = MLLM_SOURCE.load(spec)
    calls: list[int] = []
    forward = encoder._forward
    encoder._forward = lambda t, i, s: calls.append(len(i or [])) or forward(t, i, s)  # type: ignore[method-assign]
    budget_vectors = encoder.encode_images(_images())
    assert calls == [1, 1, 1]  # 24×40 = 960 > 600: every image alone
    np.testing.assert_allclose(
        budget_vectors,
        MLLM_SOURCE.load(parse_model(_model(folders, "qwen3"))).encode_images(_images()),
        atol=1e-5,
    )


def test_overflowing_text_is_cut_with_a_counting_warning(encoders: dict[str, MLLMEncoder]) -> None:
    encoder = encoders["qwen3"]
    short = replace(encoder, recipe=replace(encoder.recipe, max_length=12))
    with pytest.warns(ContextOverflowWarning, match="1 of 3 items"):
        vectors = short.encode_instructed(TEXTS, "represent user's input")
    np.testing.assert_allclose(
        vectors[[0, 2]],
        encoder.encode_instructed([TEXTS[0], TEXTS[2]], "represent user's input"),
        atol=1e-5,
    )
    tiny = replace(encoder, recipe=replace(encoder.recipe, max_length=10))
    with pytest.raises(ModelError, match="max_pixels"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny.encode_images(_images()[:1])


def test_instructions_resolve_per_task_kind_and_flags(folders: dict[str, Path]) -> None:
    qwen3 = parse_model(_model(folders, "qwen3"))
    resolved = MLLM_SOURCE.instructions(qwen3, "image-text-retrieval")
    assert resolved.query == "Retrieve images or text relevant to the user's query."
    assert resolved.document == "Represent the user's input."
    overridden = parse_model(_model(folders, "qwen3", "&query_instruction=find%20it"))
    assert MLLM_SOURCE.instructions(overridden, "text-retrieval").query == "find it"
    assert MLLM_SOURCE.instructions(overridden, None).query_origin == "--query-instruction"
    gme = parse_model(_model(folders, "qwen2"))
    assert MLLM_SOURCE.instructions(gme, "pair-choice").document == "You are a helpful assistant."
    with pytest.raises(ConfigError, match="--query-instruction"):
        MLLM_SOURCE.instructions(gme, "text-retrieval")


def test_unsupported_family_runtime_and_recipe_are_one_line_errors(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "clip"}))
    with pytest.raises(ModelError, match=r"'clip' checkpoint; the mllm source runs Qwen2-VL"):
        MLLM_SOURCE.load(parse_model(f"mllm:{tmp_path}?recipe=gme-qwen2-vl"))
    with pytest.raises(ConfigError, match="runs on torch only"):
        MLLM_SOURCE.load(parse_model(_model(folders, "qwen3"), runtime="onnxruntime"))
    with pytest.raises(ConfigError, match=r"\?recipe=NAME"):
        MLLM_SOURCE.fingerprint(parse_model(f"mllm:{folders['qwen3']}"))
    with pytest.raises(ConfigError, match="unknown option 'dim'"):
        get_source(parse_model(_model(folders, "qwen3", "&dim=8"))).fingerprint(
            parse_model(_model(folders, "qwen3", "&dim=8"))
        )


def test_a_model_too_big_for_the_memory_is_refused_before_loading(
    folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("embedlab.models.sources.mllm.available_bytes", lambda: 1000)
    with pytest.raises(ModelError, match=r"needs about .* GiB .* parameters × 4 bytes in fp32"):
        MLLM_SOURCE.load(parse_model(_model(folders, "qwen2")))
