"""The per-batch mechanics of a fill: prefetching, progress, checking, loading for recompute.

Shared by the dense fill (:mod:`embedlab.embedding.provider`) and the multi-vector fill
(:mod:`embedlab.embedding.token_fill`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from embedlab.embedding.image_feed import ImageFeed
from embedlab.errors import EmbedlabError, ModelError, ResultsError
from embedlab.models._torch_utils import parameter_count
from embedlab.models.base import ModelSpec
from embedlab.results.embedding_cache import ShardFault
from embedlab.results.schema import EncodeTiming

if TYPE_CHECKING:
    from embedlab.core.progress import ProgressFactory


def prefetched(
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
def closing(feed: ImageFeed | None) -> Iterator[None]:
    """Close ``feed`` (its worker processes) however the block ends."""
    try:
        yield
    finally:
        if feed is not None:
            feed.close()


@contextmanager
def progress_bar(
    factory: ProgressFactory | None, label: str, total: int
) -> Iterator[Callable[[int], None]]:
    if factory is None:
        yield lambda n: None
        return
    with factory(label, total) as advance:
        yield advance


def check_batch(vectors: NDArray[np.float32], ids: list[str], model: str) -> None:
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


def load_for_recompute(load: Callable[[], object], faults: list[ShardFault]) -> None:
    """Call ``load`` (load the model); if it fails while a stored shard was found bad, name
    that cache file instead: recomputing it needs the model."""
    try:
        load()
    except EmbedlabError as exc:
        if not faults:
            raise
        bad = faults[0]
        raise ResultsError(
            f"embedding cache file {bad.path} {bad.reason} and cannot be recomputed because "
            f"the model does not load ({exc}); delete {bad.path} and re-run once the model "
            "loads"
        ) from None


Model = TypeVar("Model")


def timed_load(load: Callable[[], Model], model_info: dict[str, Any]) -> tuple[Model, float]:
    """``(model, seconds spent loading it)``; its parameter count, when it has one, is recorded
    in ``model_info["parameters"]`` (the dense provider and the token fill load alike)."""
    started = time.perf_counter()
    model = load()
    seconds = time.perf_counter() - started
    count = parameter_count(model)
    if count is not None:
        model_info["parameters"] = count
    return model, seconds


def encode_timing(
    spec: ModelSpec,
    dataset: str,
    modality: str,
    n_items: int,
    n_computed: int,
    seconds: float,
    load_seconds: float = 0.0,
) -> EncodeTiming:
    """The timing row of one fill of ``n_items`` items of which ``n_computed`` were encoded
    (``load_seconds`` of ``seconds`` went to loading the model)."""
    return EncodeTiming(
        model=spec.name,
        dataset=dataset,
        modality=modality,
        n_items=n_items,
        n_computed=n_computed,
        seconds=seconds,
        batch_size=spec.batch_size,
        load_seconds=load_seconds,
    )


@dataclass(frozen=True)
class BatchSource:
    """How one dense fill feeds a model: batches of ``spec.batch_size`` items, prepared one
    batch ahead by ``workers`` threads (``prepare``), or pixels from an active decode ``feed``."""

    spec: ModelSpec
    workers: int
    prepare: Callable[[Any], Any] | None
    feed: ImageFeed | None = None

    def encode(
        self,
        items: list[Any],
        ids: list[str],
        encode: Callable[[Sequence[Any]], NDArray[np.float32]],
        advance: Callable[[int], None],
        lo: int = 0,
    ) -> NDArray[np.float32]:
        """The checked vectors of ``items`` (item ``lo`` of the entry first), batch by batch."""
        size = self.spec.batch_size
        prepared: Iterator[Any]
        run: Callable[[Any], NDArray[np.float32]] = encode
        if self.feed is not None and self.feed.active:  # pixels from the decode workers
            prepared, run = self.feed.pixel_batches(lo, lo + len(items)), self.feed.forward
        else:
            batches = [items[i : i + size] for i in range(0, len(items), size)]
            prepared = prefetched(batches, self.prepare, self.workers)
        out: list[NDArray[np.float32]] = []
        for offset, batch in zip(range(0, len(items), size), prepared, strict=False):
            vectors = np.asarray(run(batch), dtype=np.float32)
            check_batch(vectors, ids[offset : offset + size], self.spec.name)
            out.append(vectors)
            advance(len(vectors))
        return np.concatenate(out, axis=0)
