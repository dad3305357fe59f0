"""MUVERA fixed-dimensional encodings (FDEs) of multi-vector items (arXiv 2405.19504).

Implemented here from the paper (Dhulipala et al., 2024) and Google's reference C++
(graph-mining ``sketching/point_cloud/fixed_dimensional_encoding.cc``), numpy only. Per
repetition ``r = 1..R``:

1. **Partition** (SimHash): ``k_sim`` Gaussian hyperplanes ``G_r`` (``D x k_sim``); a token ``x``
   falls in bucket ``b(x) = sum_j [<x, g_j> > 0] * 2^(k_sim - j)`` (its sign bits read as a
   binary number; ``B = 2^k_sim`` buckets). Google numbers buckets in a Gray-code order instead;
   any fixed bijection of sign patterns gives the same inner products, and plain binary keeps the
   Hamming distance between two buckets equal to ``popcount(b1 XOR b2)``.
2. **Aggregate**: the query block of bucket ``b`` is the SUM of the query's tokens in ``b``; the
   document block is the AVERAGE of the document's tokens in ``b``.
3. **Fill** (documents only): an empty document bucket takes the document token whose bucket is
   nearest to it in Hamming distance (the first such token in token order). Queries are never
   filled: an empty query bucket stays zero.
4. **Project**: each block is multiplied by a random ``D x d_proj`` matrix of ``+-1/sqrt(d_proj)``
   entries (``d_proj = None``: no projection, blocks keep ``D`` dims).

The FDE is the concatenation over repetitions and buckets, ``R * B * d_proj`` dims, optionally
followed by a final random ``+-1/sqrt(d_final)`` projection to ``d_final`` dims. Then
``<FDE_q(Q), FDE_d(P)>`` approximates ``Chamfer(Q, P) = MaxSim(Q, P)``: exact when every bucket
holds at most one document token and no projection is used.

All random matrices come from one ``numpy.random.Generator`` seeded with ``settings.seed``; queries
and documents must be encoded by the same :class:`Muvera` (or one built with the same settings and
dimension). The paper's recommended setting ``(R, k_sim, d_proj) = (20, 5, 16)`` gives 10,240 dims.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError

#: Tokens per group when filling empty buckets (bounds the distance table's memory).
FILL_BLOCK_TOKENS = 1 << 16


@dataclass(frozen=True)
class MuveraSettings:
    """FDE parameters (module docstring).

    Attributes:
        repetitions: ``R``, independent partitions concatenated.
        k_sim: SimHash hyperplanes per repetition (``2^k_sim`` buckets), 0..16.
        d_proj: projected block dimension; ``None`` keeps the token dimension.
        final_dim: optional final projection of the whole FDE.
        fill_empty: fill empty document buckets (step 3).
        seed: seed of every random matrix.
    """

    repetitions: int = 20
    k_sim: int = 5
    d_proj: int | None = 16
    final_dim: int | None = None
    fill_empty: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.repetitions < 1:
            raise ConfigError(f"MUVERA repetitions must be >= 1 (got {self.repetitions})")
        if not 0 <= self.k_sim <= 16:
            raise ConfigError(f"MUVERA k_sim must be in 0..16 (got {self.k_sim})")
        for name in ("d_proj", "final_dim"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"MUVERA {name} must be >= 1 or unset (got {value})")

    @property
    def buckets(self) -> int:
        return 1 << self.k_sim

    def label(self) -> str:
        """``R=20 k_sim=5 d_proj=16`` (plus ``final=...`` when set)."""
        text = f"R={self.repetitions} k_sim={self.k_sim} d_proj={self.d_proj or 'none'}"
        return text + (f" final={self.final_dim}" if self.final_dim else "")


@dataclass(frozen=True)
class Muvera:
    """An FDE encoder: settings plus the random matrices drawn for one token dimension.

    Attributes:
        settings: the parameters.
        dim: token dimension ``D``.
        hyperplanes: ``(R, D, k_sim)`` Gaussian SimHash hyperplanes.
        projections: ``(R, D, d_proj)`` block projections, or ``None`` (identity).
        final: ``(R * B * d_proj, final_dim)`` final projection, or ``None``.
    """

    settings: MuveraSettings
    dim: int
    hyperplanes: NDArray[np.float32]
    projections: NDArray[np.float32] | None
    final: NDArray[np.float32] | None

    @classmethod
    def create(cls, settings: MuveraSettings, dim: int) -> Muvera:
        """Draw the random matrices for tokens of ``dim`` dimensions from ``settings.seed``."""
        rng = np.random.default_rng(settings.seed)
        r, k = settings.repetitions, settings.k_sim
        planes = rng.standard_normal((r, dim, k)).astype(np.float32)
        proj = None
        if settings.d_proj is not None:
            signs = rng.integers(0, 2, size=(r, dim, settings.d_proj)) * 2 - 1
            proj = (signs / np.sqrt(settings.d_proj)).astype(np.float32)
        block = settings.d_proj if settings.d_proj is not None else dim
        final = None
        if settings.final_dim is not None:
            signs = rng.integers(0, 2, size=(r * settings.buckets * block, settings.final_dim))
            final = ((signs * 2 - 1) / np.sqrt(settings.final_dim)).astype(np.float32)
        return cls(settings, dim, planes, proj, final)

    @property
    def fde_dim(self) -> int:
        """Dimensions of one encoding."""
        s = self.settings
        if s.final_dim is not None:
            return s.final_dim
        return s.repetitions * s.buckets * (s.d_proj if s.d_proj is not None else self.dim)

    def buckets_of(self, tokens: NDArray[np.float32], repetition: int) -> NDArray[np.int64]:
        """Bucket of each token in ``repetition`` (step 1): its sign bits as a binary number."""
        k = self.settings.k_sim
        bits = (tokens @ self.hyperplanes[repetition]) > 0
        weights = (1 << np.arange(k - 1, -1, -1)).astype(np.int64)
        return bits.astype(np.int64) @ weights if k else np.zeros(len(tokens), np.int64)

    def encode_queries(self, items: MultiVectors) -> NDArray[np.float32]:
        """FDEs of queries: bucket sums, never filled; ``(n_items, fde_dim)``."""
        return self._encode(items, query=True)

    def encode_documents(self, items: MultiVectors) -> NDArray[np.float32]:
        """FDEs of documents: bucket averages, empty buckets filled; ``(n_items, fde_dim)``."""
        return self._encode(items, query=False)

    def _encode(self, items: MultiVectors, query: bool) -> NDArray[np.float32]:
        if items.dim != self.dim:
            raise DataError(
                f"tokens have {items.dim} dims; this MUVERA encoder was built for {self.dim}"
            )
        s = self.settings
        n, nb = items.n_items, s.buckets
        owner = np.repeat(np.arange(n, dtype=np.int64), items.counts)
        blocks = []
        for r in range(s.repetitions):
            bucket = self.buckets_of(items.tokens, r)
            vals = items.tokens if self.projections is None else items.tokens @ self.projections[r]
            cell = owner * nb + bucket
            sums: NDArray[np.float64] = np.stack(
                [np.bincount(cell, weights=col, minlength=n * nb) for col in vals.T], axis=1
            ).astype(np.float64, copy=False)
            if not query:
                count = np.bincount(cell, minlength=n * nb).astype(np.float64)
                filled = count > 0
                sums[filled] /= count[filled, None]
                if s.fill_empty and nb > 1 and not filled.all():
                    nearest = _nearest_tokens(bucket, items.offsets, nb)
                    empty = np.flatnonzero(~filled)
                    sums[empty] = vals[nearest.reshape(-1)[empty]]
            blocks.append(sums.reshape(n, nb * vals.shape[1]))
        fde = np.concatenate(blocks, axis=1).astype(np.float32)
        return fde @ self.final if self.final is not None else fde


def _nearest_tokens(
    bucket: NDArray[np.int64], offsets: NDArray[np.int64], n_buckets: int
) -> NDArray[np.int64]:
    """``(n_items, B)``: per item and bucket, the global index of the item's token whose bucket
    is nearest in Hamming distance (ties: the first token). Items are taken in groups of about
    ``FILL_BLOCK_TOKENS`` tokens so the ``tokens x B`` distance table stays small."""
    popcount = np.array([bin(v).count("1") for v in range(n_buckets)], dtype=np.int64)
    all_buckets = np.arange(n_buckets, dtype=np.int64)[None, :]
    n_items = len(offsets) - 1
    out = np.empty((n_items, n_buckets), dtype=np.int64)
    start = 0
    while start < n_items:
        stop = int(np.searchsorted(offsets, offsets[start] + FILL_BLOCK_TOKENS, side="right")) - 1
        stop = min(max(stop, start + 1), n_items)
        a, b = int(offsets[start]), int(offsets[stop])
        dist = popcount[bucket[a:b, None] ^ all_buckets]
        local = np.arange(b - a, dtype=np.int64)[:, None]
        key = dist * (b - a) + local
        best = np.minimum.reduceat(key, offsets[start:stop] - a, axis=0)
        out[start:stop] = best % (b - a) + a
        start = stop
    return out
