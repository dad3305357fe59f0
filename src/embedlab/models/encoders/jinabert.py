"""JinaBERT v2 (the text tower of Jina-CLIP v1) as a small torch module, for ``arch:`` speed.

transformers has no JinaBERT (the checkpoint ships its own modelling code), so this module
builds the same computation from its published description and configuration. With hidden
size ``h``, ``n`` heads of width ``d = h / n``, intermediate size ``i``, token ids ``t`` and
attention mask ``m`` (1 = real token):

- **embeddings**: ``x = LayerNorm(E_word[t] + E_type[0])`` — no position embeddings (ALiBi);
- **ALiBi bias** (symmetric, bidirectional): ``B[k, p, q] = -s_k · |p − q|`` with the head
  slopes ``s`` of :func:`alibi_slopes` (Press et al.; for ``n`` not a power of two, the
  slopes of the nearest lower power of two followed by every other slope of twice that);
  padding adds ``min(dtype)`` to every column ``q`` with ``m[q] = 0``;
- **attention** (per layer, post-LN): ``q, k, v = split(W_qkv x + b)``,
  ``a = softmax(q kᵀ / √d + B) v`` (heads concatenated), ``x = LayerNorm(x + W_o a + b_o)``;
- **GEGLU feed-forward** (post-LN): ``[g, u] = split(W_g x)`` (``W_g``: ``h → 2i``, no
  bias), ``x = LayerNorm(x + W_out (GELU(g) ⊙ u) + b_out)`` (exact erf GELU);
- **pooling** (Jina-CLIP's ``mean_pooler``): ``Σ_p m[p] x[p] / Σ_p m[p]``; no projection
  (``proj_type`` null, ``add_projections`` false), so the text embedding is ``h``-dimensional.

Identical to the checkpoint's code: the layers, their order, every parameter shape (the fused
``Wqkv`` of ``jina-bert-flash-implementation``; 136.8 M parameters at the published size) and
the formulas above. Not identical: the attention kernel — here torch's
``scaled_dot_product_attention`` with the bias as a float mask (Jina's code uses
flash-attention with ALiBi slopes on GPU and an explicit softmax otherwise), and dropout,
which is off at inference in both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from embedlab.models._torch_utils import require


@dataclass(frozen=True)
class JinaBertConfig:
    """The sizes of a JinaBERT v2 encoder (``text_config`` of a ``jina_clip`` arch file)."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    max_position_embeddings: int = 8192
    pad_token_id: int = 0


def alibi_slopes(heads: int) -> list[float]:
    """ALiBi head slopes: ``s_k = r^(k+1)`` with ``r = 2^(−8/n)`` for ``n`` a power of two;
    otherwise those of the nearest lower power ``c`` plus ``alibi_slopes(2c)[0::2][:n−c]``."""
    if math.log2(heads).is_integer():
        start = 2 ** (-(2 ** -(math.log2(heads) - 3)))
        return [start * start**k for k in range(heads)]
    closest = 2 ** math.floor(math.log2(heads))
    return alibi_slopes(closest) + alibi_slopes(2 * closest)[0::2][: heads - closest]


def attention_bias(slopes: Any, mask: Any, dtype: Any) -> Any:
    """``(B, n, L, L)`` float bias: ``−s_k |p − q|`` plus ``min(dtype)`` on padded columns."""
    torch = require("torch", purpose="JinaBERT attention")
    length = mask.shape[1]
    positions = torch.arange(length, device=mask.device)
    distance = (positions[None, :] - positions[:, None]).abs().to(dtype)
    alibi = -slopes.to(dtype)[:, None, None] * distance[None]
    padding = (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min
    return alibi[None] + padding


def build_jinabert(config: JinaBertConfig) -> Any:
    """The ``torch.nn.Module``: ``forward(input_ids, attention_mask) -> (B, L, h)``."""
    torch = require("torch", purpose="building JinaBERT")
    nn, functional = torch.nn, torch.nn.functional
    h, heads, inner = config.hidden_size, config.num_attention_heads, config.intermediate_size

    class Layer(nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.Wqkv = nn.Linear(h, 3 * h)
            self.out_proj = nn.Linear(h, h)
            self.norm1 = nn.LayerNorm(h, eps=config.layer_norm_eps)
            self.gated_layers = nn.Linear(h, 2 * inner, bias=False)
            self.wo = nn.Linear(inner, h)
            self.norm2 = nn.LayerNorm(h, eps=config.layer_norm_eps)

        def forward(self, x: Any, bias: Any) -> Any:
            batch, length, _ = x.shape
            qkv = self.Wqkv(x).view(batch, length, 3, heads, h // heads).permute(2, 0, 3, 1, 4)
            attended = functional.scaled_dot_product_attention(
                qkv[0], qkv[1], qkv[2], attn_mask=bias
            )
            attended = attended.transpose(1, 2).reshape(batch, length, h)
            x = self.norm1(x + self.out_proj(attended))
            gated, up = self.gated_layers(x).split(inner, dim=-1)
            return self.norm2(x + self.wo(functional.gelu(gated) * up))

    class JinaBert(nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.word_embeddings = nn.Embedding(
                config.vocab_size, h, padding_idx=config.pad_token_id
            )
            self.token_type_embeddings = nn.Embedding(config.type_vocab_size, h)
            self.emb_ln = nn.LayerNorm(h, eps=config.layer_norm_eps)
            self.layers = nn.ModuleList(Layer() for _ in range(config.num_hidden_layers))
            self.register_buffer(
                "slopes", torch.tensor(alibi_slopes(heads), dtype=torch.float32), persistent=False
            )

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            types = torch.zeros_like(input_ids)
            x = self.emb_ln(self.word_embeddings(input_ids) + self.token_type_embeddings(types))
            bias = attention_bias(self.slopes, attention_mask, x.dtype)
            for layer in self.layers:
                x = layer(x, bias)
            return x

    return JinaBert()


def mean_pool(hidden: Any, mask: Any) -> Any:
    """``Σ_p m[p] x[p] / max(Σ_p m[p], 1)`` over the sequence, in torch."""
    weights = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
