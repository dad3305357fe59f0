"""An offline stand-in tokenizer for architecture-only (``arch:``) models.

A real CLIP or SigLIP tokenizer needs its vocabulary files, which ship with the weights; an
``arch:`` model has no weights and must work without a download. For speed measurements what
matters is that the model receives valid ids of a realistic length, so this tokenizer:

- lower-cases the text and splits it into words and punctuation marks (regex ``\\w+|[^\\w\\s]``);
- maps each piece to ``low + crc32(piece) mod (high − low)``, a stable id in the configured
  word range (never a special token);
- adds the family's special tokens (CLIP: BOS … EOS; SigLIP: … EOS), truncates to
  ``max_length`` keeping EOS last, pads with the pad id (to the longest text, or to
  ``max_length``; on the right, or on the left when ``padding_side="left"``, as decoder
  embedders such as Qwen3-Embedding are padded), and returns ``input_ids`` and
  ``attention_mask``.

One piece is one token, so a caption gets about as many tokens as with CLIP's BPE (captions are
mostly whole common words). Tokenising this way in Python costs about as much as a fast
(Rust) tokenizer for caption-length texts, but the ``preprocess`` figures of text speed rows of
``arch:`` models are not a measurement of the real tokenizer.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from embedlab.errors import ConfigError

_PIECES = re.compile(r"\w+|[^\w\s]")


@dataclass
class ArchTokenizer:
    """Hash-based tokenizer with the call signature of a transformers tokenizer (see module)."""

    vocab_size: int
    model_max_length: int
    eos_token_id: int
    pad_token_id: int
    word_ids: tuple[int, int]
    bos_token_id: int | None = None
    padding_side: str = "right"

    def __post_init__(self) -> None:
        low, high = self.word_ids
        if not 0 <= low < high <= self.vocab_size:
            raise ConfigError(f"tokenizer word_ids {self.word_ids} must lie in [0, vocab_size)")

    def word_id(self, piece: str) -> int:
        """The stable id of one lower-cased piece."""
        low, high = self.word_ids
        return low + zlib.crc32(piece.encode("utf-8")) % (high - low)

    def ids(self, text: str, max_length: int) -> list[int]:
        """Token ids of one text, with special tokens, at most ``max_length`` long."""
        prefix = [] if self.bos_token_id is None else [self.bos_token_id]
        room = max(0, max_length - len(prefix) - 1)
        body = [self.word_id(piece) for piece in _PIECES.findall(text.lower())][:room]
        return prefix + body + [self.eos_token_id]

    def __call__(
        self,
        texts: Sequence[str],
        padding: str | bool = "longest",
        truncation: bool = True,
        max_length: int | None = None,
        return_tensors: str | None = "pt",
    ) -> dict[str, Any]:
        """Tokenise a batch: ``{"input_ids": …, "attention_mask": …}`` (torch or numpy)."""
        limit = max_length or self.model_max_length
        rows = [self.ids(text, limit) for text in texts]
        width = limit if padding == "max_length" else max((len(r) for r in rows), default=0)
        left = self.padding_side == "left"  # decoder embedders pool the last position
        pads = [width - len(r) for r in rows]
        input_ids = [
            [self.pad_token_id] * n + r if left else r + [self.pad_token_id] * n
            for r, n in zip(rows, pads, strict=True)
        ]
        mask = [[0] * n + [1] * len(r) if left else [1] * len(r) + [0] * n
                for r, n in zip(rows, pads, strict=True)]  # fmt: skip
        if return_tensors == "pt":
            import torch

            return {
                "input_ids": torch.tensor(input_ids, dtype=torch.long),
                "attention_mask": torch.tensor(mask, dtype=torch.long),
            }
        if return_tensors == "np":
            import numpy as np

            return {"input_ids": np.asarray(input_ids), "attention_mask": np.asarray(mask)}
        return {"input_ids": input_ids, "attention_mask": mask}
