"""The ``shapes-clip`` architecture, tokenizer and image processor, and saving them together.

Tokenizer: a word-level fast tokenizer (``tokenizers`` library) over the words of the shapes
captions; lower-cased, split on whitespace and punctuation; unknown words map to ``<unk>``.
Every text becomes ``<|startoftext|> words <|endoftext|>``. ``<|endoftext|>`` has the highest id
and is not 2, so CLIP's text pooling picks it under both rules transformers has used: the
argmax of the ids (old configs with ``eos_token_id == 2``) and the first position equal to
``eos_token_id`` (transformers >= 4.31, incl. 5.x). Padding uses a separate ``<pad>`` (id 0).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, PreTrainedTokenizerFast

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<|startoftext|>", "<|endoftext|>"
IMAGE_SIZE = 64
MAX_TOKENS = 32
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


@dataclass(frozen=True)
class Architecture:
    """Sizes of the two towers (both are pre-LN transformers, as in CLIP)."""

    vision_width: int = 96
    vision_layers: int = 3
    text_width: int = 128
    text_layers: int = 3
    heads: int = 4
    patch: int = 8
    projection_dim: int = 64

    def as_dict(self) -> dict[str, int]:
        """The sizes, for the model card."""
        return asdict(self)


def build_tokenizer(texts: Iterable[str]) -> PreTrainedTokenizerFast:
    """A word-level tokenizer whose vocabulary is every word of ``texts`` (sorted)."""
    normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    splitter = pre_tokenizers.Whitespace()
    words = {
        word
        for text in texts
        for word, _ in splitter.pre_tokenize_str(normalizer.normalize_str(text))
    }
    vocab = {PAD: 0, UNK: 1}
    for word in sorted(words):
        vocab[word] = len(vocab)
    vocab[BOS], vocab[EOS] = len(vocab), len(vocab) + 1
    core = Tokenizer(WordLevel(vocab=vocab, unk_token=UNK))
    core.normalizer = normalizer
    core.pre_tokenizer = splitter
    core.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}", special_tokens=[(BOS, vocab[BOS]), (EOS, vocab[EOS])]
    )
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=core,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        model_max_length=MAX_TOKENS,
        padding_side="right",
    )


def build_model(tokenizer: PreTrainedTokenizerFast, arch: Architecture) -> CLIPModel:
    """A randomly initialised CLIPModel sized by ``arch`` (seed torch before calling)."""
    eos = tokenizer.convert_tokens_to_ids(EOS)
    assert eos == len(tokenizer) - 1 and eos != 2, "EOS must be the highest id, not 2"
    text = _tower(arch.text_width, arch.text_layers, arch.heads) | {
        "vocab_size": len(tokenizer),
        "max_position_embeddings": MAX_TOKENS,
        "bos_token_id": tokenizer.convert_tokens_to_ids(BOS),
        "eos_token_id": eos,
        "pad_token_id": tokenizer.convert_tokens_to_ids(PAD),
    }
    vision = _tower(arch.vision_width, arch.vision_layers, arch.heads) | {
        "image_size": IMAGE_SIZE,
        "patch_size": arch.patch,
    }
    config = CLIPConfig(text_config=text, vision_config=vision, projection_dim=arch.projection_dim)
    return CLIPModel(config)


def _tower(width: int, layers: int, heads: int) -> dict[str, Any]:
    return {
        "hidden_size": width,
        "intermediate_size": 4 * width,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "hidden_act": "gelu",
    }


def build_image_processor() -> CLIPImageProcessor:
    """CLIP preprocessing at 64 px (resize shortest edge, centre crop, CLIP mean/std)."""
    return CLIPImageProcessor(
        size={"shortest_edge": IMAGE_SIZE},
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        image_mean=CLIP_MEAN,
        image_std=CLIP_STD,
    )


def save_checkpoint(out: Path, model: CLIPModel, tokenizer: PreTrainedTokenizerFast) -> None:
    """Write weights (safetensors), config, image processor and tokenizer into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    (out / "model.safetensors").chmod(0o644)  # written 0600; installed copies must be readable
    build_image_processor().save_pretrained(out)
    tokenizer.save_pretrained(out)
    config_path = out / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"  # a name transformers 4.x and 5.x know
    config.pop("backend", None)
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
