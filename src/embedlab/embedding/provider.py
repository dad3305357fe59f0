"""Encode a whole item list with one model: cached, batched, prefetched, checked, timed.

:class:`EmbeddingProvider` implements :class:`~embedlab.embedding.contract.Embedder`, the
contract tasks see; it chooses the runtime and owns the cache. It looks embeddings up in the
sharded cache first and only loads the model (importing torch) when some shard is missing or
fails verification (checksum, shape, dtype, finite values: a one-line warning names the file,
and the shard is recomputed), so a re-run whose embeddings are cached never touches a
deep-learning framework. Images are decoded and preprocessed ahead of the model by worker
processes when the encoder's preprocessing is a :class:`~embedlab.models.pixel_recipe.PixelRecipe`
(:mod:`embedlab.embedding.image_feed`; starting while the model loads when the recipe is known
from its files), else by a small thread pool one batch ahead. ``fast_decode`` (JPEG draft
decoding) enters the image cache key. Every batch is checked for non-finite values.

A multi-vector model (``late_interaction``) is read through ``image_tokens`` / ``text_tokens``,
filled by :mod:`embedlab.embedding.token_fill` into the ragged cache under the same keys plus
its form; its dense methods, and a dense model's token methods, raise one ConfigError line.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.data.images import load_image
from embedlab.embedding.batches import (
    BatchSource,
    check_batch,
    closing,
    encode_timing,
    load_for_recompute,
    prefetched,
    progress_bar,
    timed_load,
)
from embedlab.embedding.cache_identity import cache_parts, image_items, text_items
from embedlab.embedding.corpus import ShardedCorpus
from embedlab.embedding.executors.base import EncodeRecipe, Executor, ShardWork
from embedlab.embedding.executors.local import LocalExecutor
from embedlab.embedding.image_feed import ImageFeed
from embedlab.embedding.task_embedder import TaskEmbedder
from embedlab.embedding.token_fill import TokenFill, not_dense, not_multivector
from embedlab.models.base import Encoder, ModelSpec, Role
from embedlab.models.instructions import (
    InstructedEncoder,
    Instructions,
    TaskKind,
    resolve_instructions,
    without_instruction_options,
)
from embedlab.models.pixel_hints import early_pixel_recipe
from embedlab.models.provenance import model_details
from embedlab.models.registry import get_source
from embedlab.results.embedding_cache import (
    DEFAULT_SHARD_SIZE,
    ShardedEmbeddings,
    ShardFault,
    open_entry,
    verified_shards,
)
from embedlab.results.schema import EncodeTiming
from embedlab.runtimes import RuntimeOptions, load_encoder
from embedlab.runtimes.endpoint import text_only
from embedlab.runtimes.loader import check_token_spec, served_details

if TYPE_CHECKING:
    from embedlab.core.progress import ProgressFactory

#: Items per cache shard: the unit of resumption after an interruption.
SHARD_SIZE = DEFAULT_SHARD_SIZE


@dataclass
class EmbeddingProvider:
    """Cached embeddings of one model (see module docstring)."""

    spec: ModelSpec
    cache_dir: Path
    workers: int = 2
    progress: ProgressFactory | None = None
    timings: list[EncodeTiming] = field(default_factory=list)
    #: Endpoint runtimes: the environment variable holding the API key (never stored).
    api_key_env: str | None = None
    #: What computes missing shards (``embedding/executors``: in-process, or a Ray actor pool).
    executor: Executor = field(default_factory=LocalExecutor)
    #: JPEG draft decoding of images (``--fast-decode``); keyed apart in the image cache.
    fast_decode: bool = False
    #: Seconds spent loading the model so far (each fill's timing gets its own share).
    load_seconds: float = field(default=0.0, init=False, repr=False)
    _encoder: Encoder | None = field(default=None, init=False, repr=False)
    #: What was observed of the model: ``embedding_dim`` (every fill) and ``parameters`` (when
    #: it was loaded in this process with a torch module), for the run's environment.
    model_info: dict[str, int] = field(default_factory=dict, init=False)
    _late: bool | None = field(default=None, init=False, repr=False)
    _tokens: TokenFill | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.fingerprint = get_source(self.spec).fingerprint(self.spec)
        #: An endpoint runtime: what it serves (``/info``), recorded in the provenance.
        self.endpoint = served_details(self.spec, self._options())
        if self.endpoint is not None:  # what the endpoint serves is part of every cache key
            self.fingerprint = f"{self.fingerprint}|{self.endpoint['identity']}"

    def _options(self) -> RuntimeOptions:
        return RuntimeOptions(cache_dir=self.cache_dir, api_key_env=self.api_key_env)

    @property
    def model(self) -> str:
        """The model string."""
        return self.spec.name

    def provenance(self) -> dict[str, Any]:
        """``{"model": ..., **source.describe(spec)}`` (never loads the model); an endpoint
        runtime adds ``endpoint``: its API, URL and ``/info`` fields."""
        details = model_details(self.spec)
        return details if self.endpoint is None else {**details, "endpoint": self.endpoint}

    @property
    def encoder(self) -> Encoder:
        """The loaded model (loaded on first use only)."""
        if self._encoder is None:
            encoder, seconds = timed_load(
                lambda: load_encoder(self.spec, self._options()), self.model_info
            )
            self._encoder = encoder
            self.load_seconds += seconds
        return self._encoder

    @property
    def late_interaction(self) -> bool:
        """True for a multi-vector model (asks its source: config.json at most, no load)."""
        if self._late is None:
            self._late = get_source(self.spec).late_interaction(self.spec)
        return self._late

    def image_tokens(
        self,
        dataset: str,
        ids: Sequence[str],
        paths: Sequence[Path],
        kind: TaskKind | None = None,
    ) -> MultiVectors:
        """Per image its ``(n_i, D)`` token vectors (multi-vector models; ``kind`` unused)."""
        parts = self._token_parts("image", "document", dataset, image_items(ids, paths))
        return self._token_fill().fill(parts, dataset, "image", list(ids), list(paths), load_image)

    def text_tokens(
        self,
        dataset: str,
        ids: Sequence[str],
        texts: Sequence[str],
        role: Role = "query",
        kind: TaskKind | None = None,
    ) -> MultiVectors:
        """Per text its ``(n_i, D)`` token vectors in ``role`` (multi-vector models)."""
        parts = self._token_parts("text", role, dataset, text_items(ids, texts))
        return self._token_fill().fill(parts, dataset, "text", list(ids), list(texts), None, role)

    def _token_parts(self, modality: str, role: str, dataset: str, items: str) -> dict[str, str]:
        if not self.late_interaction:
            raise not_multivector(self.spec.name)
        check_token_spec(self.spec, self._options())
        return self._entry_parts(modality, role, dataset, items, None)

    def _token_fill(self) -> TokenFill:  # shares this provider's cache, timings, model_info
        if self._tokens is None:
            self._tokens = TokenFill(
                self.spec,
                self.cache_dir,
                self._options(),
                lambda batches, prepare: prefetched(batches, prepare, self.workers),
                self.progress,
                self.timings,
                self.model_info,
            )
        return self._tokens

    def _refuse_multivector(self) -> None:
        if self.late_interaction:
            raise not_dense(self.spec.name)

    def for_task(self, kind: TaskKind | None) -> TaskEmbedder:
        """This provider as the :class:`Embedder` of a task of ``kind`` (its instructions)."""
        return TaskEmbedder(self, kind)

    def instructions(self, kind: TaskKind | None) -> Instructions | None:
        """The instructions the model uses for tasks of ``kind`` (None: it takes none)."""
        return resolve_instructions(self.spec, kind)

    def images(
        self,
        dataset: str,
        ids: Sequence[str],
        paths: Sequence[Path],
        kind: TaskKind | None = None,
    ) -> NDArray[np.float32]:
        """Embeddings of the images at ``paths`` (ids are their stable ids), ``(N, D)``.

        An instruction-aware model embeds them under the document instruction of ``kind``.
        """
        self._refuse_multivector()
        if self.endpoint is not None:  # refused before any work: the APIs carry text only
            raise text_only(self.spec.runtime)
        instructions = self.instructions(kind)
        instruction = None if instructions is None else instructions.document
        entry = self._entry(
            "image", "document", dataset, image_items(ids, paths), len(ids), instruction
        )

        def encode(batch: Sequence[Any]) -> NDArray[np.float32]:
            return self._encode(batch, instruction, None)

        recipe = EncodeRecipe(
            self.spec, self.cache_dir, self.api_key_env, "image", None, instruction,
            self.fingerprint,
        )  # fmt: skip

        def feed(ranges: list[tuple[int, int]]) -> ImageFeed:
            hint = early_pixel_recipe(self.spec)
            size, fast, allowed = self.spec.batch_size, self.fast_decode, instruction is None
            return ImageFeed(list(paths), ranges, size, self.workers, fast, hint, allowed)

        return self._fill(
            entry, dataset, "image", list(ids), list(paths), encode, load_image, recipe=recipe,
            image_feed=feed,
        )  # fmt: skip

    def texts(
        self,
        dataset: str,
        ids: Sequence[str],
        texts: Sequence[str],
        role: Role = "query",
        kind: TaskKind | None = None,
    ) -> NDArray[np.float32]:
        """Embeddings of ``texts`` in ``role`` (query/document prompts), ``(N, D)``.

        An instruction-aware model embeds them under the instruction of ``role`` for ``kind``.
        """
        entry, instruction = self._text_entry(dataset, ids, texts, role, kind)

        def encode(batch: Sequence[Any]) -> NDArray[np.float32]:
            return self._encode(list(batch), instruction, role)

        recipe = EncodeRecipe(
            self.spec, self.cache_dir, self.api_key_env, "text", role, instruction,
            self.fingerprint,
        )  # fmt: skip
        return self._fill(
            entry, dataset, "text", list(ids), list(texts), encode, None, recipe=recipe
        )

    def text_shards(
        self,
        dataset: str,
        ids: Sequence[str],
        texts: Sequence[str],
        role: Role = "query",
        kind: TaskKind | None = None,
    ) -> ShardedCorpus:
        """The rows of ``texts(...)`` streamed from their cache entry, one shard at a time.

        Missing shards are computed first by ``texts`` (which holds the corpus once while it
        fills the entry); a complete entry is never loaded whole.
        """
        entry, _ = self._text_entry(dataset, ids, texts, role, kind)
        if entry.missing_shards():
            filled = self.texts(dataset, ids, texts, role, kind)
            return ShardedCorpus.of_entry(entry, int(filled.shape[1]))
        corpus = ShardedCorpus.of_entry(entry)
        self.model_info["embedding_dim"] = corpus.dim
        self.timings.append(encode_timing(self.spec, dataset, "text", len(ids), 0, 0.0))
        return corpus

    def _text_entry(
        self,
        dataset: str,
        ids: Sequence[str],
        texts: Sequence[str],
        role: Role,
        kind: TaskKind | None,
    ) -> tuple[ShardedEmbeddings, str | None]:
        """The cache entry of ``texts`` in ``role`` under ``kind``'s instruction, and that
        instruction (dense models only)."""
        self._refuse_multivector()
        instructions = self.instructions(kind)
        instruction = None if instructions is None else instructions.of(role)
        items = text_items(ids, texts)
        return self._entry("text", role, dataset, items, len(ids), instruction), instruction

    def _encode(
        self, batch: Sequence[Any], instruction: str | None, role: Role | None
    ) -> NDArray[np.float32]:
        """One batch: under ``instruction`` for an instruction-aware encoder, else as before."""
        encoder = self.encoder
        if instruction is not None and isinstance(encoder, InstructedEncoder):
            vectors = encoder.encode_instructed(batch, instruction)
            tokens = encoder.mean_tokens()
            if tokens is not None:
                self.model_info["tokens_per_item"] = round(tokens)
            return vectors
        if role is None:
            return encoder.encode_images(batch)
        return encoder.encode_texts(list(batch), role=role)

    def _entry(
        self,
        modality: str,
        role: str,
        dataset: str,
        items: str,
        n: int,
        instruction: str | None = None,
    ) -> ShardedEmbeddings:
        parts = self._entry_parts(modality, role, dataset, items, instruction)
        return open_entry(self.cache_dir, parts, n, SHARD_SIZE)

    def _entry_parts(
        self, modality: str, role: str, dataset: str, items: str, instruction: str | None
    ) -> dict[str, str]:
        """What keys the cache entry (also read by the cache-only ``embedding/cached.py``)."""
        parts = cache_parts(self.spec, self.fingerprint, modality, role, dataset, items)
        if self.fast_decode and modality == "image":  # absent when exact: old keys unchanged
            parts["decode"] = "fast"
        if instruction is not None:  # with/without an instruction never share vectors
            parts["instruction"] = instruction
            parts["model"] = without_instruction_options(self.spec.name)
        return parts

    def _fill(
        self,
        entry: ShardedEmbeddings,
        dataset: str,
        modality: str,
        ids: list[str],
        items: list[Any],
        encode: Callable[[Sequence[Any]], NDArray[np.float32]],
        prepare: Callable[[Any], Any] | None,
        *,
        recipe: EncodeRecipe | None = None,
        image_feed: Callable[[list[tuple[int, int]]], ImageFeed] | None = None,
    ) -> NDArray[np.float32]:
        arrays, todo, faults = verified_shards(entry)
        n_computed = sum(entry.shard_range(s)[1] - entry.shard_range(s)[0] for s in todo)
        start, loaded_before = time.perf_counter(), self.load_seconds
        if todo:
            label = f"{self.spec.name} · {dataset} {modality}s"
            in_process = self.executor.name == "local"  # decode workers serve this process only
            ranges = [entry.shard_range(s) for s in todo]
            feed = image_feed(ranges) if image_feed is not None and in_process else None

            def encode_shard(shard: int, advance: Callable[[int], None]) -> NDArray[np.float32]:
                lo, hi = entry.shard_range(shard)
                batches = BatchSource(self.spec, self.workers, prepare, feed)
                return batches.encode(items[lo:hi], ids[lo:hi], encode, advance, lo)

            work = ShardWork(
                entry, todo, ids, items, label, recipe, lambda: self._load_fed(faults, feed),
                encode_shard, lambda vectors, ids: check_batch(vectors, ids, self.spec.name),
            )  # fmt: skip
            with progress_bar(self.progress, label, n_computed) as advance, closing(feed):
                for shard, vectors in self.executor.compute(work, advance):
                    entry.write_shard(shard, vectors)
                    arrays[shard] = np.ascontiguousarray(vectors, dtype=np.float32)
        seconds = time.perf_counter() - start
        load = self.load_seconds - loaded_before
        timing = encode_timing(self.spec, dataset, modality, len(ids), n_computed, seconds, load)
        self.timings.append(timing)
        vectors = np.concatenate([arrays[s] for s in range(entry.n_shards)], axis=0)
        self.model_info["embedding_dim"] = int(vectors.shape[1])
        return vectors

    def _load_fed(self, faults: list[ShardFault], feed: ImageFeed | None) -> None:
        """Load the model; an image feed starts decoding first (if it can) and then binds."""
        if feed is not None:
            feed.start()
        load_for_recompute(lambda: self.encoder, faults)
        if feed is not None:
            feed.bind(self.encoder)
