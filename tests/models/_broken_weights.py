"""Builders of tiny text-model folders and the three ways of breaking a checkpoint folder.

- :func:`save_tiny_st`: a sentence-transformers folder (tiny ``BertModel`` + word-level BERT
  tokenizer + mean pooling + Normalize), built offline in well under a second; with
  ``head=True`` the weights are a ``BertForMaskedLM`` checkpoint (``bert.*`` + ``cls.*``), the
  layout of ``bert-base-uncased``.
- :func:`break_folder`: a copy of a model folder with its weights file deleted, one tensor
  dropped (a missing key) or one tensor added (an unexpected key).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

WORDS = ("a", "photo", "of", "cat", "dog", "on", "the", "grass", "two", "red", "squares", "x")
HIDDEN = 16
Break = Literal["no-weights", "missing", "unexpected"]


def save_tiny_st(path: Path, head: bool = False) -> None:
    """A tiny sentence-transformers model folder (see the module docstring)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertForMaskedLM, BertModel, BertTokenizerFast

    try:  # sentence-transformers >= 6 moved the modules
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:
        from sentence_transformers import models  # type: ignore[no-redef]

    raw = path.parent / f"{path.name}-raw"
    raw.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(WORDS))]
    (raw / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(raw / "vocab.txt"), model_max_length=64).save_pretrained(raw)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=2 * HIDDEN,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(raw)
    transformer = models.Transformer(str(raw), max_seq_length=64)
    pooling = models.Pooling(HIDDEN, pooling_mode="mean")
    SentenceTransformer(modules=[transformer, pooling, models.Normalize()]).save(str(path))
    shutil.rmtree(raw)
    if head:  # replace the weights (and config) by a BertForMaskedLM checkpoint
        BertForMaskedLM(config).eval().save_pretrained(path)


def weights_file(folder: Path) -> Path:
    """The one ``*.safetensors`` file of a model folder (searched below it)."""
    (found,) = sorted(folder.rglob("*.safetensors"))
    return found


def break_folder(source: Path, target: Path, how: Break, key: str = "") -> Path:
    """Copy ``source`` to ``target`` and break its weights.

    Args:
        source: an intact model folder with one safetensors file.
        target: where the broken copy goes (must not exist).
        how: ``no-weights`` deletes the weights file; ``missing`` drops tensor ``key``;
            ``unexpected`` adds a zero tensor named ``key``.
        key: the tensor dropped or added.

    Returns:
        ``target``.
    """
    import torch
    from safetensors.torch import load_file, save_file

    shutil.copytree(source, target)
    path = weights_file(target)
    if how == "no-weights":
        path.unlink()
        return target
    tensors = load_file(str(path))
    if how == "missing":
        assert key in tensors, f"{key} is not a tensor of {path}"
        del tensors[key]
    else:
        assert key not in tensors
        tensors[key] = torch.zeros(4, 4)
    save_file(tensors, str(path), metadata={"format": "pt"})
    return target
