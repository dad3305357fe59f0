"""Tiny text models for the text-runtime tests: a random BERT folder and sentence-transformers
stacks built on it (standard, dot-product, and with modules the runtimes refuse)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Literal

SEED = 0
SENTENCES = (
    "a photo of the cat",
    "the dog sits on a red sofa",
    "glaciers carve valleys",
    "how do honeybees make honey ?",
    "query : passage .",
)
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def save_tiny_bert(path: Path) -> None:
    """A 2-layer BERT (hidden 32) with a word-level WordPiece vocabulary, random weights."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    path.mkdir(parents=True, exist_ok=True)
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    words = sorted({word for sentence in SENTENCES for word in sentence.split()})
    vocab = SPECIALS + words + [f"##{ch}" for ch in letters] + letters
    vocab = list(dict.fromkeys(vocab))
    tokenizer = BertTokenizer(vocab={tok: i for i, tok in enumerate(vocab)}, model_max_length=64)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=64,
    )
    torch.manual_seed(SEED)
    model: Any = BertModel(config)
    model.eval().save_pretrained(path)
    tokenizer.save_pretrained(path)


def _modules() -> Any:
    """sentence-transformers' module classes (6.x location, else the older ``models``)."""
    try:
        return importlib.import_module("sentence_transformers.sentence_transformer.modules")
    except ImportError:
        return importlib.import_module("sentence_transformers.models")


def save_tiny_st(
    path: Path,
    bert: Path,
    pooling: str = "mean",
    normalize: bool = True,
    dense: bool = False,
    similarity: Literal["cosine", "dot"] | None = None,
) -> None:
    """A SentenceTransformer folder: Transformer + Pooling [+ Dense] [+ Normalize] over ``bert``."""
    import torch
    from sentence_transformers import SentenceTransformer

    modules = _modules()
    torch.manual_seed(SEED)
    stack: list[Any] = [
        modules.Transformer(str(bert), max_seq_length=64),
        modules.Pooling(32, pooling_mode=pooling),
    ]
    if dense:
        stack.append(modules.Dense(32, 16))
    if normalize:
        stack.append(modules.Normalize())
    model = SentenceTransformer(modules=stack, device="cpu", similarity_fn_name=similarity)
    model.save(str(path))
