"""``arch:jinaai/jina-clip-v1``: EVA02-B/16 (timm) + JinaBERT v2 (embedlab's module).

The full-size model is only counted (meta device) against the published parameter count, and
its vision tower against timm's registered ``eva02_base_patch16_clip_224``. JinaBERT is checked
against hand-computed ALiBi slopes and against an independent float64 loop over one tiny layer
stack (attention with the ALiBi bias, post-LN, GEGLU); the whole model is built and run on a
config shrunk to width 32 (real image size, tokenizer ids and preprocessing).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ModelError
from embedlab.models.encoders import jina_clip_arch
from embedlab.models.encoders.jina_clip_arch import build_arch_jina_clip, parameter_count
from embedlab.models.encoders.jinabert import JinaBertConfig, alibi_slopes, build_jinabert
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources import arch
from embedlab.models.sources.arch import arch_config
from embedlab.results.io import read_results
from tests.models._helpers import TEXTS, assert_unit_rows, sample_images

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")
pytest.importorskip("transformers")

JINA = "jinaai/jina-clip-v1"
#: mteb ModelMeta n_parameters of jina-clip-v1 (includes the 1-parameter logit scale).
PUBLISHED = 222_647_041
QUICK = ["--warmup-iterations", "1", "--warmup-seconds", "0", "--min-iterations", "2",
         "--min-seconds", "0", "--repeats", "1", "--threads", "1"]  # fmt: skip


def test_parameter_count_is_the_published_one() -> None:
    config = arch_config(JINA)
    counted = parameter_count(config.model)
    assert abs(counted / PUBLISHED - 1) < 0.01
    assert counted == PUBLISHED - 1  # all but the logit scale
    assert (config.family, config.embedding_dim, config.image_size) == ("jina_clip", 768, 224)


def test_the_vision_sizes_are_timms_registered_eva02_b16() -> None:
    vision = arch_config(JINA).model["vision_config"]
    with torch.device("meta"):
        ours = jina_clip_arch.build_vision(vision)
        registered = timm.create_model("eva02_base_patch16_clip_224", num_classes=0)
    shapes = {k: tuple(v.shape) for k, v in ours.state_dict().items()}
    assert shapes == {k: tuple(v.shape) for k, v in registered.state_dict().items()}
    assert shapes["blocks.0.mlp.fc1_g.weight"] == (2048, 768)  # SwiGLU hidden 768 × 2.6667


def test_alibi_slopes_are_the_published_geometric_sequences() -> None:
    assert alibi_slopes(8) == [2.0**-k for k in range(1, 9)]
    # 12 heads: the 8-head slopes, then every other slope of 16 heads (2^-0.5, 2^-1.5, ...)
    expected = [2.0**-k for k in range(1, 9)] + [2.0 ** -(k + 0.5) for k in range(4)]
    assert alibi_slopes(12) == pytest.approx(expected)


def _reference_jinabert(model: Any, config: JinaBertConfig, ids: Any, mask: Any) -> Any:
    """Independent float64 computation: explicit softmax, per-head loop, post-LN, GEGLU."""
    p = {k: v.double() for k, v in model.state_dict().items()}
    eps, heads = config.layer_norm_eps, config.num_attention_heads
    h, inner = config.hidden_size, config.intermediate_size
    d = h // heads

    def norm(x: Any, prefix: str) -> Any:
        return torch.nn.functional.layer_norm(
            x, (h,), p[f"{prefix}.weight"], p[f"{prefix}.bias"], eps
        )

    x = p["word_embeddings.weight"][ids] + p["token_type_embeddings.weight"][0]
    x = norm(x, "emb_ln")
    length = ids.shape[1]
    slopes = alibi_slopes(heads)
    for i in range(config.num_hidden_layers):
        pre = f"layers.{i}"
        qkv = x @ p[f"{pre}.Wqkv.weight"].T + p[f"{pre}.Wqkv.bias"]
        q, k, v = qkv[..., :h], qkv[..., h : 2 * h], qkv[..., 2 * h :]
        outs = []
        for head in range(heads):
            cols = slice(head * d, (head + 1) * d)
            scores = q[..., cols] @ k[..., cols].transpose(1, 2) / math.sqrt(d)
            for a in range(length):
                for b in range(length):
                    scores[:, a, b] -= slopes[head] * abs(a - b)
            scores = scores.masked_fill(mask[:, None, :] == 0, -1e300)
            outs.append(torch.softmax(scores, dim=-1) @ v[..., cols])
        attended = (
            torch.cat(outs, dim=-1) @ p[f"{pre}.out_proj.weight"].T + p[f"{pre}.out_proj.bias"]
        )
        x = norm(x + attended, f"{pre}.norm1")
        gated = x @ p[f"{pre}.gated_layers.weight"].T
        g, u = gated[..., :inner], gated[..., inner:]
        mlp = (torch.nn.functional.gelu(g) * u) @ p[f"{pre}.wo.weight"].T + p[f"{pre}.wo.bias"]
        x = norm(x + mlp, f"{pre}.norm2")
    return x


def test_jinabert_matches_an_independent_loop() -> None:
    config = JinaBertConfig(vocab_size=50, hidden_size=24, num_hidden_layers=2,
                            num_attention_heads=3, intermediate_size=40)  # fmt: skip
    torch.manual_seed(0)
    model = build_jinabert(config).eval()
    ids = torch.tensor([[1, 7, 9, 4, 2], [1, 5, 2, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    with torch.no_grad():
        got = model(ids, mask).double()
    expected = _reference_jinabert(model, config, ids, mask)
    real = mask.bool()
    np.testing.assert_allclose(got[real].numpy(), expected[real].numpy(), atol=1e-5)
    # padding never changes the real tokens' states
    with torch.no_grad():
        alone = model(ids[1:, :3], mask[1:, :3])
    np.testing.assert_allclose(alone[0].numpy(), got[1, :3].float().numpy(), atol=1e-5)


def _shrunk() -> dict[str, Any]:
    model = copy.deepcopy(arch_config(JINA).model)
    model["embed_dim"] = 32
    model["text_config"].update(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=48)  # fmt: skip
    model["vision_config"].update(width=32, layers=2, head_width=8)
    return model


def _build(**settings: Any) -> Any:
    config = arch_config(JINA)
    spec = parse_model(f"arch:{JINA}", **settings)
    return build_arch_jina_clip(spec, _shrunk(), config.image_processor, config.tokenizer, seed=0)


def test_tiny_build_embeds_both_modalities_deterministically() -> None:
    encoder = _build()
    images, texts = encoder.encode_images(sample_images(2)), encoder.encode_texts(TEXTS)
    assert_unit_rows(images, 2, 32)
    assert_unit_rows(texts, len(TEXTS), 32)
    prepared = encoder.prepare_images(sample_images(2))
    assert tuple(prepared["pixel_values"].shape) == (2, 3, 224, 224)
    tokens = encoder.prepare_texts(["a dog", "dog"])
    assert tokens["input_ids"].tolist() == [
        [101, encoder.tokenizer.word_id("a"), encoder.tokenizer.word_id("dog"), 102],
        [101, encoder.tokenizer.word_id("dog"), 102, 0],
    ]
    again = _build()
    np.testing.assert_array_equal(again.encode_images(sample_images(2)), images)
    np.testing.assert_array_equal(again.encode_texts(TEXTS), texts)
    # the exportable text tower gives the same (unnormalised) features
    tower = encoder.text_tower()
    with torch.no_grad():
        raw = tower(tokens["input_ids"], tokens["attention_mask"]).numpy()
    unit = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    np.testing.assert_allclose(unit, encoder.encode_texts(["a dog", "dog"]), atol=1e-5)


def test_too_little_memory_is_refused_with_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jina_clip_arch, "available_bytes", lambda: 256 * 1024**2)
    spec = parse_model(f"arch:{JINA}", precision="bf16")
    # 222,647,040 parameters × 2 bytes × 1.2 = 0.5 GiB
    with pytest.raises(ModelError, match=r"needs about 0\.5 GiB \(0\.22 B parameters × 2 bytes"):
        get_source(spec).load(spec)


def test_speed_times_both_towers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shrunk = dataclasses.replace(arch.arch_config(JINA), model=_shrunk())
    monkeypatch.setattr(arch, "arch_config", lambda hub_id: shrunk)
    args = ["speed", "-m", f"arch:{JINA}", "--out", str(tmp_path), "--batch-size", "2", *QUICK]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = read_results(tmp_path).speed
    assert {r.modality for r in rows if r.metric == "throughput"} == {"image", "text"}
