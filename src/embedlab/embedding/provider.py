"""Encode a whole item list with one model: cached, batched, prefetched, checked, timed.

:class:`EmbeddingProvider` implements :class:`~embedlab.embedding.contract.Embedder`, the
contract tasks see; it chooses the runtime and owns the cache. It looks embeddings up in the
sharded cache first and only loads the model (importing torch) when some shard is missing or
fails verification (checksum, shape, dtype, finite values: a one-line warning names the file,
and the shard is recomputed), so a re-run whose embeddings are cached never touches a
deep-learning framework. Images are decoded by a small thread pool one batch ahead of the model.
Every batch is checked for non-finite values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.data.images import load_image
from embedlab.data.types import fingerprint_ids
from embedlab.errors import EmbedlabError, ModelError, ResultsError
from embedlab.models._torch_utils import parameter_count
from embedlab.models.base import Encoder, ModelSpec, Role
from embedlab.models.instructions import (
    InstructedEncoder,
    Instructions,
    TaskKind,
    resolve_instructions,
    without_instruction_options,
)
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
from embedlab.runtimes.loader import served_details

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
    _encoder: Encoder | None = field(default=None, init=False, repr=False)
    #: What was observed of the model: ``embedding_dim`` (every fill) and ``parameters`` (when
    #: it was loaded in this process with a torch module), for the run's environment.
    model_info: dict[str, int] = field(default_factory=dict, init=False)

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
            self._encoder = load_encoder(self.spec, self._options())
            count = parameter_count(self._encoder)
            if count is not None:
                self.model_info["parameters"] = count
        return self._encoder

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
        if self.endpoint is not None:  # refused before any work: the APIs carry text only
            raise text_only(self.spec.runtime)
        instructions = self.instructions(kind)
        instruction = None if instructions is None else instructions.document
        entry = self._entry(
            "image", "document", dataset, image_items(ids, paths), len(ids), instruction
        )

        def encode(batch: Sequence[Any]) -> NDArray[np.float32]:
            return self._encode(batch, instruction, None)

        return self._fill(entry, dataset, "image", list(ids), list(paths), encode, load_image)

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
        instructions = self.instructions(kind)
        instruction = None if instructions is None else instructions.of(role)
        entry = self._entry("text", role, dataset, text_items(ids, texts), len(ids), instruction)

        def encode(batch: Sequence[Any]) -> NDArray[np.float32]:
            return self._encode(list(batch), instruction, role)

        return self._fill(entry, dataset, "text", list(ids), list(texts), encode, None)

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
    ) -> NDArray[np.float32]:
        arrays, todo, faults = verified_shards(entry)
        n_computed = sum(entry.shard_range(s)[1] - entry.shard_range(s)[0] for s in todo)
        start = time.perf_counter()
        if todo:
            self._load_for_recompute(faults)
            label = f"{self.spec.name} · {dataset} {modality}s"
            with _progress(self.progress, label, n_computed) as advance:
                for shard in todo:
                    lo, hi = entry.shard_range(shard)
                    vectors = self._encode_range(items[lo:hi], ids[lo:hi], encode, prepare, advance)
                    entry.write_shard(shard, vectors)
                    arrays[shard] = np.ascontiguousarray(vectors, dtype=np.float32)
        self.timings.append(
            EncodeTiming(
                model=self.spec.name,
                dataset=dataset,
                modality=modality,
                n_items=len(ids),
                n_computed=n_computed,
                seconds=time.perf_counter() - start,
                batch_size=self.spec.batch_size,
            )
        )
        vectors = np.concatenate([arrays[s] for s in range(entry.n_shards)], axis=0)
        self.model_info["embedding_dim"] = int(vectors.shape[1])
        return vectors

    def _load_for_recompute(self, faults: list[ShardFault]) -> None:
        """Load the model; if it cannot be loaded, name the bad cache file that needed it."""
        try:
            self.encoder  # noqa: B018  (loading is the point)
        except EmbedlabError as exc:
            if not faults:
                raise
            bad = faults[0]
            raise ResultsError(
                f"embedding cache file {bad.path} {bad.reason} and cannot be recomputed because "
                f"the model does not load ({exc}); delete {bad.path} and re-run once the model "
                "loads"
            ) from None

    def _encode_range(
        self,
        items: list[Any],
        ids: list[str],
        encode: Callable[[Sequence[Any]], NDArray[np.float32]],
        prepare: Callable[[Any], Any] | None,
        advance: Callable[[int], None],
    ) -> NDArray[np.float32]:
        size = self.spec.batch_size
        batches = [items[i : i + size] for i in range(0, len(items), size)]
        out: list[NDArray[np.float32]] = []
        prepared = _prefetched(batches, prepare, self.workers)
        for offset, batch in zip(range(0, len(items), size), prepared, strict=False):
            vectors = np.asarray(encode(batch), dtype=np.float32)
            _check_batch(vectors, ids[offset : offset + size], self.spec.name)
            out.append(vectors)
            advance(len(vectors))
        return np.concatenate(out, axis=0)


@dataclass(frozen=True)
class TaskEmbedder:
    """An :class:`EmbeddingProvider` seen by one task: every call carries the task's kind."""

    provider: EmbeddingProvider
    kind: TaskKind | None

    @property
    def model(self) -> str:
        """The model string."""
        return self.provider.model

    def images(
        self, dataset: str, ids: Sequence[str], paths: Sequence[Path]
    ) -> NDArray[np.float32]:
        """The provider's images under this task's kind."""
        return self.provider.images(dataset, ids, paths, kind=self.kind)

    def texts(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> NDArray[np.float32]:
        """The provider's texts under this task's kind."""
        return self.provider.texts(dataset, ids, texts, role, kind=self.kind)

    def provenance(self) -> dict[str, Any]:
        """The provider's provenance, plus the resolved instructions of this task's kind."""
        details = self.provider.provenance()
        instructions = self.provider.instructions(self.kind)
        return (
            details if instructions is None else {**details, "instructions": instructions.record()}
        )


def cache_parts(
    spec: ModelSpec, fingerprint: str, modality: str, role: str, dataset: str, items: str
) -> dict[str, str]:
    """What keys a cache entry (shared with the cache-only reader, embedding/cached.py)."""
    return {
        "model": spec.name,
        "weights": fingerprint,
        "precision": spec.precision,
        "runtime": spec.runtime,
        "modality": modality,
        "role": role,
        "dataset": dataset,
        "items": items,
    }


def image_items(ids: Sequence[str], paths: Sequence[Path]) -> str:
    """The item fingerprint of images: each id with its file's size and mtime."""
    return fingerprint_ids([f"{i}|{_file_stamp(p)}" for i, p in zip(ids, paths, strict=True)])


def text_items(ids: Sequence[str], texts: Sequence[str]) -> str:
    """The item fingerprint of texts: each id with its text."""
    return fingerprint_ids([f"{i}|{t}" for i, t in zip(ids, texts, strict=True)])


def _prefetched(
    batches: list[list[Any]], prepare: Callable[[Any], Any] | None, workers: int
) -> Iterator[list[Any]]:
    """Yield each batch with ``prepare`` applied to its items, preparing one batch ahead.

    Image decoding runs in a thread pool while the model works on the previous batch (PIL and
    torch both release the GIL in their heavy parts). Errors surface in batch order.
    """
    if prepare is None:
        yield from batches
        return
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: list[Future[Any]] | None = None
        for batch in batches:
            submitted = [pool.submit(prepare, item) for item in batch]
            if pending is not None:
                yield [f.result() for f in pending]
            pending = submitted
        if pending is not None:
            yield [f.result() for f in pending]


@contextmanager
def _progress(
    factory: ProgressFactory | None, label: str, total: int
) -> Iterator[Callable[[int], None]]:
    if factory is None:
        yield lambda n: None
        return
    with factory(label, total) as advance:
        yield advance


def _check_batch(vectors: NDArray[np.float32], ids: list[str], model: str) -> None:
    if vectors.ndim != 2 or vectors.shape[0] != len(ids):
        raise ModelError(
            f"model {model} returned shape {vectors.shape} for a batch of {len(ids)} items"
        )
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        bad = [ids[i] for i in np.flatnonzero(~finite)[:3]]
        raise ModelError(
            f"model {model} returned NaN/inf embeddings for items {bad} "
            f"({int((~finite).sum())} in this batch); try --precision fp32, or check the weights"
        )


def _file_stamp(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"
