"""The multi-vector fill of an embedding provider: ragged cache first, then the model.

:class:`TokenFill` is what :meth:`EmbeddingProvider.image_tokens` / ``text_tokens`` run (the
provider keys the entry; this module fills it). It mirrors the dense fill: the ragged cache
entry (:mod:`embedlab.results.multivector_cache`) is read and verified shard by shard; only
when a shard is missing or fails verification (one-line :class:`~embedlab.errors.CacheWarning`
naming the file) is the model loaded, on torch
(:func:`~embedlab.runtimes.loader.load_token_encoder`), and the missing shards alone
computed, in batches of ``spec.batch_size`` with images decoded one batch ahead (the provider's
prefetch), under a progress bar, each shard written as soon as it is complete (an interrupted
fill keeps its finished shards).

Every batch is checked: one item per input, token width equal to the model's ``token_dim``
and the same in every batch, only finite values (a failure is one :class:`ModelError` line
naming the items). Each fill adds an ``EncodeTiming`` row like a dense one, and records in
``model_info`` (integers, means rounded over every item list read by this provider):

- ``tokens_per_item`` and ``<modality>_tokens_per_item`` = ``sum_i n_i / N``;
- ``bytes_per_item`` and ``<modality>_bytes_per_item`` = ``4 * D * sum_i n_i / N`` (the
  float32 tokens; offsets add 8 bytes per item);
- ``token_dim`` = ``D``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from embedlab.core.multivector import MultiVectors
from embedlab.embedding.batches import encode_timing, load_for_recompute, timed_load
from embedlab.errors import ConfigError, ModelError
from embedlab.models.base import ModelSpec, Role
from embedlab.results.embedding_cache import verified_shards
from embedlab.results.multivector_cache import (
    TOKEN_SHARD_SIZE,
    RaggedEmbeddings,
    concatenate,
    open_ragged,
)
from embedlab.results.schema import EncodeTiming
from embedlab.runtimes import RuntimeOptions
from embedlab.runtimes.loader import load_token_encoder

if TYPE_CHECKING:
    from embedlab.core.progress import ProgressFactory
    from embedlab.models.multivector import MultiVectorEncoder

#: ``prefetch(batches, prepare)``: the batches with ``prepare`` applied to each item, in order.
Prefetch = Callable[[list[list[Any]], Callable[[Any], Any] | None], Iterator[list[Any]]]
BYTES_PER_VALUE = 4  # float32 tokens
#: Items per ragged cache shard: the unit of resumption after an interruption.
SHARD_ITEMS = TOKEN_SHARD_SIZE


@dataclass
class TokenFill:
    """Multi-vector embeddings of one model, cached (see the module docstring).

    Attributes:
        spec: the model.
        cache_dir: the embedding cache root (entries under ``embeddings/``).
        options: runtime options for loading (torch only).
        prefetch: the provider's batch prefetch (decodes images one batch ahead).
        progress: progress bar factory, or None.
        timings: the provider's ``EncodeTiming`` rows (appended to).
        model_info: the provider's observed figures (updated).
    """

    spec: ModelSpec
    cache_dir: Path
    options: RuntimeOptions
    prefetch: Prefetch
    progress: ProgressFactory | None = None
    timings: list[EncodeTiming] = field(default_factory=list)
    model_info: dict[str, int] = field(default_factory=dict)
    #: Seconds spent loading the model so far (each fill's timing gets its own share).
    load_seconds: float = field(default=0.0, init=False, repr=False)
    _encoder: MultiVectorEncoder | None = field(default=None, init=False, repr=False)
    #: modality -> [items, tokens] read so far, for the means in ``model_info``.
    _seen: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)

    @property
    def encoder(self) -> MultiVectorEncoder:
        """The loaded multi-vector model (loaded on first use only)."""
        if self._encoder is None:
            encoder, seconds = timed_load(
                lambda: load_token_encoder(self.spec, self.options), self.model_info
            )
            self._encoder = encoder
            self.load_seconds += seconds
        return self._encoder

    def entry(self, parts: dict[str, str], n_items: int) -> RaggedEmbeddings:
        """The ragged cache entry keyed by ``parts`` (created if needed)."""
        return open_ragged(self.cache_dir, parts, n_items, SHARD_ITEMS)

    def fill(
        self,
        parts: dict[str, str],
        dataset: str,
        modality: str,
        ids: list[str],
        items: list[Any],
        prepare: Callable[[Any], Any] | None,
        role: Role = "query",
    ) -> MultiVectors:
        """The token vectors of ``items`` (images or texts), from the cache or computed."""
        entry = self.entry(parts, len(ids))
        stored, todo, faults = verified_shards(entry)
        n_computed = sum(entry.shard_range(s)[1] - entry.shard_range(s)[0] for s in todo)
        start, loaded_before = time.perf_counter(), self.load_seconds
        if todo:
            load_for_recompute(lambda: self.encoder, faults)
            label = f"{self.spec.name} · {dataset} {modality}s"
            with self._bar(label, n_computed) as advance:
                for shard in todo:
                    lo, hi = entry.shard_range(shard)
                    tokens = self._encode_range(
                        items[lo:hi], ids[lo:hi], modality, role, prepare, advance
                    )
                    entry.write_shard(shard, tokens)
                    stored[shard] = tokens
        seconds = time.perf_counter() - start
        load = self.load_seconds - loaded_before
        timing = encode_timing(self.spec, dataset, modality, len(ids), n_computed, seconds, load)
        self.timings.append(timing)
        result = concatenate([stored[s] for s in range(entry.n_shards)], entry.root)
        self.record(modality, result)
        return result

    def _bar(self, label: str, total: int) -> AbstractContextManager[Callable[[int], None]]:
        if self.progress is None:
            return nullcontext(lambda n: None)
        return self.progress(label, total)

    def _encode_range(
        self,
        items: list[Any],
        ids: list[str],
        modality: str,
        role: Role,
        prepare: Callable[[Any], Any] | None,
        advance: Callable[[int], None],
    ) -> MultiVectors:
        encoder = self.encoder
        size = self.spec.batch_size
        batches = [items[i : i + size] for i in range(0, len(items), size)]
        out: list[MultiVectors] = []
        prepared = self.prefetch(batches, prepare)
        for offset, batch in zip(range(0, len(items), size), prepared, strict=False):
            if modality == "image":
                tokens = encoder.encode_images(batch)
            else:
                tokens = encoder.encode_texts(list(batch), role=role)
            check_batch(tokens, ids[offset : offset + size], self.spec.name, encoder.token_dim)
            out.append(tokens)
            advance(tokens.n_items)
        return concatenate(out, Path(self.spec.name))

    def record(self, modality: str, tokens: MultiVectors) -> None:
        """Add ``tokens`` (read for ``modality``) to the means in ``model_info``."""
        if tokens.n_items == 0:
            return
        seen = self._seen.setdefault(modality, [0, 0])
        seen[0] += tokens.n_items
        seen[1] += len(tokens.tokens)
        dim = tokens.dim
        self.model_info["token_dim"] = dim
        for prefix, (n, total) in [
            (f"{modality}_", seen),
            ("", [sum(v[0] for v in self._seen.values()), sum(v[1] for v in self._seen.values())]),
        ]:
            self.model_info[f"{prefix}tokens_per_item"] = round(total / n)
            self.model_info[f"{prefix}bytes_per_item"] = round(BYTES_PER_VALUE * dim * total / n)


def check_batch(tokens: object, ids: Sequence[str], model: str, token_dim: int) -> None:
    """Refuse a batch output that is not one finite ``(n_i, token_dim)`` matrix per input.

    Raises:
        ModelError: one line naming the model and what is wrong (the first items at fault).
    """
    if not isinstance(tokens, MultiVectors):
        raise ModelError(f"model {model} returned {type(tokens).__name__}, not token vectors")
    if tokens.n_items != len(ids):
        raise ModelError(
            f"model {model} returned {tokens.n_items} token matrices for a batch of {len(ids)} "
            "items"
        )
    if tokens.dim != token_dim:
        raise ModelError(
            f"model {model} returned {tokens.dim}-wide token vectors, but its token_dim is "
            f"{token_dim}"
        )
    bad_rows = np.flatnonzero(~np.isfinite(tokens.tokens).all(axis=1))
    if len(bad_rows):
        items = np.unique(np.searchsorted(tokens.offsets, bad_rows, side="right") - 1)
        named = [ids[int(i)] for i in items[:3]]
        raise ModelError(
            f"model {model} returned NaN/inf token embeddings for items {named} ({len(items)} in "
            "this batch); try --precision fp32, or check the weights"
        )


def not_dense(model: str) -> ConfigError:
    """The refusal of a dense method (``images``/``texts``) for a multi-vector model."""
    return ConfigError(
        f"model {model!r} is a multi-vector (late-interaction) model: it embeds each item as "
        "token vectors, not one vector; only tasks that score MaxSim (image_tokens/text_tokens) "
        "can use it"
    )


def not_multivector(model: str) -> ConfigError:
    """The refusal of a token method (``image_tokens``/``text_tokens``) for a dense model."""
    return ConfigError(
        f"model {model!r} is a dense model (one vector per item) and has no token embeddings "
        "for late interaction (MaxSim); multi-vector models are ColPali/ColQwen2 checkpoints"
    )
