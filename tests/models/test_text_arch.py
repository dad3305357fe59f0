"""``arch:`` text embedders: EmbeddingGemma-300m, Qwen3-Embedding-0.6B, BGE-M3.

The full-size models are only counted (torch's meta device) and checked against the published
numbers; building and encoding run on the same configs shrunk to width 32 and two layers (the
vocabulary, special ids, pooling, Dense shapes' structure and prompts stay the real ones),
through the builder the ``arch`` source uses, and are compared with an independent computation
on the transformers backbone.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ConfigError, ModelError
from embedlab.models.encoders import text_arch
from embedlab.models.encoders.text_arch import TextArchEncoder, build_arch_text, parameter_count
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources import arch
from embedlab.models.sources.arch import arch_config
from embedlab.results.io import read_results
from tests.models._helpers import TEXTS, assert_unit_rows

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

GEMMA, QWEN, BGE = "google/embeddinggemma-300m", "Qwen/Qwen3-Embedding-0.6B", "BAAI/bge-m3"
#: Published parameter counts (mteb ModelMeta n_parameters of each model; BGE-M3's is rounded).
PUBLISHED = {GEMMA: 307_581_696, QWEN: 595_776_512, BGE: 568_000_000}
#: (model_type, hidden, layers, heads, vocab, pooling, embedding dim) from each config.json / card.
FACTS = {
    GEMMA: ("gemma3_text", 768, 24, 3, 262_144, "mean", 768),
    QWEN: ("qwen3", 1024, 28, 16, 151_669, "last", 1024),
    BGE: ("xlm-roberta", 1024, 24, 16, 250_002, "cls", 1024),
}
QUICK = ["--warmup-iterations", "1", "--warmup-seconds", "0", "--min-iterations", "2",
         "--min-seconds", "0", "--repeats", "1", "--threads", "1"]  # fmt: skip


@pytest.mark.parametrize("hub_id", sorted(PUBLISHED))
def test_parameter_count_is_within_one_percent_of_the_published_one(hub_id: str) -> None:
    config = arch_config(hub_id)
    counted = parameter_count(config.model, config.text["dense"])
    assert abs(counted / PUBLISHED[hub_id] - 1) < 0.01, counted
    assert config.published_parameters == PUBLISHED[hub_id]
    if hub_id != BGE:  # mteb's exact counts (BGE-M3's 568 M is rounded: 567,754,752 counted)
        assert counted == PUBLISHED[hub_id]


@pytest.mark.parametrize("hub_id", sorted(FACTS))
def test_config_holds_the_checkpoint_numbers(hub_id: str) -> None:
    config = arch_config(hub_id)
    model_type, hidden, layers, heads, vocab, pooling, dim = FACTS[hub_id]
    settings = dict(config.model)
    built = transformers.AutoConfig.for_model(settings.pop("model_type"), **settings)
    assert (built.model_type, built.hidden_size, built.num_hidden_layers) == (
        model_type, hidden, layers,
    )  # fmt: skip
    assert (built.num_attention_heads, built.vocab_size) == (heads, vocab)
    assert (config.text["pooling"], config.embedding_dim, config.family) == (pooling, dim, "text")
    assert config.tokenizer["vocab_size"] == vocab and config.sources
    with pytest.raises(ConfigError, match="text-only"):
        _ = config.image_size
    if hub_id == GEMMA:
        assert built.use_bidirectional_attention is True and config.text["dense"] == [
            [768, 3072], [3072, 768],
        ]  # fmt: skip
    if hub_id == QWEN:
        assert config.tokenizer["padding_side"] == "left"


def _shrunk(hub_id: str) -> dict[str, Any]:
    """The config's model section at width 32, two layers (vocabulary and ids kept)."""
    model = copy.deepcopy(arch_config(hub_id).model)
    model.update(hidden_size=32, intermediate_size=64, num_hidden_layers=2)
    if hub_id == GEMMA:
        model.update(num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                     query_pre_attn_scalar=16, sliding_window=4)  # fmt: skip
    elif hub_id == QWEN:
        model.update(num_attention_heads=4, num_key_value_heads=2, head_dim=8)
    else:
        model.update(num_attention_heads=4)
    return model


def _text(hub_id: str) -> dict[str, Any]:
    text = copy.deepcopy(arch_config(hub_id).text)
    text["dense"] = [[32, 48], [48, 24]] if text["dense"] else []
    return text


def _build(hub_id: str, **settings: Any) -> TextArchEncoder:
    spec = parse_model(f"arch:{hub_id}", **settings)
    tokenizer = arch_config(hub_id).tokenizer
    return build_arch_text(spec, _shrunk(hub_id), _text(hub_id), tokenizer, "w", seed=0)


@pytest.fixture(scope="module")
def encoders() -> dict[str, TextArchEncoder]:
    return {hub: _build(hub) for hub in PUBLISHED}


def _reference(encoder: TextArchEncoder, texts: list[str]) -> Any:
    """Independent: the backbone in torch, pooled in torch, Dense by matmul, normalised."""
    batch = encoder.tokenize(texts, "query")
    ids, mask = torch.from_numpy(batch["input_ids"]), torch.from_numpy(batch["attention_mask"])
    with torch.no_grad():
        hidden = encoder.model.backbone(input_ids=ids, attention_mask=mask).last_hidden_state
        if encoder.pooling == "mean":
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        elif encoder.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            pooled = hidden[:, -1]  # left padding: the last position is every row's last token
        for layer in encoder.model.dense:
            pooled = pooled @ layer.weight.T
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


@pytest.mark.parametrize("hub_id", sorted(PUBLISHED))
def test_tiny_build_encodes_unit_rows_equal_to_an_independent_computation(
    hub_id: str, encoders: dict[str, TextArchEncoder]
) -> None:
    encoder = encoders[hub_id]
    vectors = encoder.encode_texts(TEXTS)
    dim = 24 if hub_id == GEMMA else 32
    assert_unit_rows(vectors, len(TEXTS), dim)
    np.testing.assert_allclose(vectors, _reference(encoder, TEXTS), atol=2e-5)
    again = _build(hub_id).encode_texts(TEXTS)  # seeded: a second build gives the same output
    np.testing.assert_array_equal(vectors, again)
    with pytest.raises(ModelError, match="text-only"):
        encoder.encode_images([])


def test_tokenisation_has_the_checkpoints_ids_prompts_and_padding(
    encoders: dict[str, TextArchEncoder],
) -> None:
    qwen = encoders[QWEN].tokenize(["a dog", "a small dog on a bench"], "query")
    ids, mask = qwen["input_ids"], qwen["attention_mask"]
    # left padding, <|endoftext|> last; the query prompt is 17 words/marks before the text
    assert ids[0, 0] == 151643 and mask[0, 0] == 0 and (ids[:, -1] == 151643).all()
    assert mask[1].all() and mask[1].sum() == 17 + 6 + 1
    gemma = encoders[GEMMA].tokenize(["a dog"], "query")["input_ids"][0]
    # <bos> task : search result | query : a dog <eos>
    assert gemma[0] == 2 and gemma[-1] == 1 and len(gemma) == 1 + 7 + 2 + 1
    bge = encoders[BGE].tokenize(["a dog", "dog"], "document")
    assert bge["input_ids"].tolist()[1][-1] == 1 and bge["input_ids"][0, 0] == 0


def test_exported_layout_pools_then_applies_the_dense_matrices(
    encoders: dict[str, TextArchEncoder],
) -> None:
    encoder = encoders[GEMMA]
    layout = encoder.tower_layout()
    assert layout.modalities == ("text",) and layout.text_head is not None
    arrays = encoder.preprocessor().text_arrays(TEXTS)
    hidden = encoder.forward(arrays)
    head = layout.text_head(hidden, arrays)
    norms = np.linalg.norm(head, axis=1, keepdims=True)
    np.testing.assert_allclose(head / norms, encoder.encode_texts(TEXTS), atol=2e-5)


def test_too_little_memory_is_refused_with_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_arch, "available_bytes", lambda: 1024**3)
    spec = parse_model(f"arch:{BGE}")
    # 567,754,752 parameters × 4 bytes × 1.2 = 2.5 GiB
    with pytest.raises(ModelError, match=r"needs about 2\.5 GiB \(0\.57 B parameters × 4 bytes"):
        get_source(spec).load(spec)


def test_quality_runs_refuse_the_random_weights(tmp_path: Path) -> None:
    from embedlab.config.run import RunConfig
    from embedlab.verbs.run import run

    config = RunConfig(models=[f"arch:{BGE}"], tasks=["beir-synthetic"], out=tmp_path,
                       cache_dir=tmp_path / "cache")  # fmt: skip
    with pytest.raises(ConfigError, match="random weights: speed only"):
        run(config)


def test_speed_times_the_text_modality_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = arch.arch_config(QWEN)
    shrunk = dataclasses.replace(real, model=_shrunk(QWEN))
    monkeypatch.setattr(arch, "arch_config", lambda hub_id: shrunk)
    args = ["speed", "-m", f"arch:{QWEN}", "--out", str(tmp_path), "--batch-size", "2", *QUICK]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = read_results(tmp_path).speed
    assert {row.modality for row in rows if row.metric == "throughput"} == {"text"}
    assert "image" not in {row.modality for row in rows}
    assert "skipped" not in result.output
