"""A stub :class:`~embedlab.embedding.contract.Embedder` for tests, driven by a handler.

In the manner of httpx's ``MockTransport``: the test passes a function that receives each
:class:`EmbedRequest` and returns the vectors, so a task can be run against hand-made
embeddings without a model, a cache or monkeypatching::

    embedder = StubEmbedder.by_id({"img1": [1, 0], "img1#0": [1, 0], ...})
    result = task.run(TaskContext(embed=embedder, cache_dir=tmp_path))

Every request is recorded in :attr:`StubEmbedder.requests`. Returned vectors are checked like
the real provider's: one finite row per id. ``text_shards`` serves the same vectors cut into
``shard_rows``-row shards (as the provider streams its cache entry).

Late interaction: a stub built with a ``token_handler`` (or :meth:`StubEmbedder.by_tokens`)
is a multi-vector model: ``late_interaction`` is True, the handler returns one ``(n_i, D)``
array per id (``n_i >= 1``, one ``D``, finite) and ``image_tokens`` / ``text_tokens`` pack them
as :class:`~embedlab.core.multivector.MultiVectors`; its ``images`` / ``texts`` raise
:class:`~embedlab.errors.ConfigError` naming the model, as a dense stub's token methods do::

    embedder = StubEmbedder.by_tokens({"img1": [[1, 0], [0, 1]], "img1#0": [[1, 0]], ...})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.embedding.corpus import ShardedCorpus
from embedlab.errors import ConfigError, DataError, ModelError
from embedlab.models.base import Modality, Role

__all__ = ["EmbedRequest", "Handler", "StubEmbedder", "TokenHandler"]


@dataclass(frozen=True)
class EmbedRequest:
    """One call a task made: which items of which dataset, for which tower and role.

    ``items`` holds the texts, or the image paths as strings.
    """

    modality: Modality
    dataset: str
    ids: tuple[str, ...]
    items: tuple[str, ...]
    role: Role


Handler = Callable[[EmbedRequest], ArrayLike]
#: Per id one ``(n_i, D)`` array of token vectors.
TokenHandler = Callable[[EmbedRequest], Sequence[ArrayLike]]


class StubEmbedder:
    """An Embedder whose vectors come from ``handler`` (see the module docstring)."""

    def __init__(
        self,
        handler: Handler | None = None,
        model: str = "stub:embedder",
        provenance: Mapping[str, Any] | None = None,
        token_handler: TokenHandler | None = None,
        shard_rows: int = 1024,
    ) -> None:
        if (handler is None) == (token_handler is None):
            raise ConfigError("StubEmbedder takes a handler (dense) or a token_handler, not both")
        self._handler = handler
        self._token_handler = token_handler
        self._model = model
        self._provenance = dict(provenance or {})
        self.requests: list[EmbedRequest] = []
        #: Rows per shard of :meth:`text_shards` (small in tests: ties across shard borders).
        self.shard_rows = shard_rows

    @classmethod
    def by_id(cls, vectors: Mapping[str, ArrayLike], model: str = "stub:embedder") -> StubEmbedder:
        """A stub returning ``vectors[id]`` for every id (a missing id is a KeyError)."""

        def handler(request: EmbedRequest) -> ArrayLike:
            return np.stack([np.asarray(vectors[i], dtype=np.float32) for i in request.ids])

        return cls(handler, model=model)

    @classmethod
    def by_tokens(
        cls, tokens: Mapping[str, ArrayLike], model: str = "stub:late-interaction"
    ) -> StubEmbedder:
        """A multi-vector stub returning ``tokens[id]`` (an ``(n_i, D)`` array) for every id."""

        def token_handler(request: EmbedRequest) -> Sequence[ArrayLike]:
            return [tokens[i] for i in request.ids]

        return cls(model=model, token_handler=token_handler)

    @property
    def model(self) -> str:
        return self._model

    @property
    def late_interaction(self) -> bool:
        """True when built with a ``token_handler``."""
        return self._token_handler is not None

    def images(
        self, dataset: str, ids: Sequence[str], paths: Sequence[Path]
    ) -> NDArray[np.float32]:
        items = tuple(str(p) for p in paths)
        return self._call(EmbedRequest("image", dataset, tuple(ids), items, "document"))

    def texts(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> NDArray[np.float32]:
        return self._call(EmbedRequest("text", dataset, tuple(ids), tuple(texts), role))

    def text_shards(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> ShardedCorpus:
        """``texts(...)`` (one request) cut into shards of ``shard_rows`` rows."""
        return ShardedCorpus.of_array(self.texts(dataset, ids, texts, role), self.shard_rows)

    def image_tokens(self, dataset: str, ids: Sequence[str], paths: Sequence[Path]) -> MultiVectors:
        items = tuple(str(p) for p in paths)
        return self._call_tokens(EmbedRequest("image", dataset, tuple(ids), items, "document"))

    def text_tokens(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> MultiVectors:
        return self._call_tokens(EmbedRequest("text", dataset, tuple(ids), tuple(texts), role))

    def provenance(self) -> Mapping[str, Any]:
        return {"model": self._model, **self._provenance}

    def _record(self, request: EmbedRequest) -> None:
        if len(request.ids) != len(request.items):
            raise ModelError(f"{len(request.ids)} ids for {len(request.items)} items")
        self.requests.append(request)

    def _call(self, request: EmbedRequest) -> NDArray[np.float32]:
        if self._handler is None:
            raise ConfigError(
                f"model {self._model} is a multi-vector (late-interaction) model: it has no "
                f"single {request.modality} embedding; use {request.modality}_tokens"
            )
        self._record(request)
        out = np.asarray(self._handler(request), dtype=np.float32)
        if out.ndim != 2 or out.shape[0] != len(request.ids):
            n = len(request.ids)
            raise ModelError(f"stub handler returned shape {out.shape} for {n} {request.modality}s")
        if not np.isfinite(out).all():
            raise ModelError(f"stub handler returned non-finite values for {request.dataset}")
        return out

    def _call_tokens(self, request: EmbedRequest) -> MultiVectors:
        if self._token_handler is None:
            raise ConfigError(
                f"model {self._model} gives one vector per item, not token vectors (it is not "
                "a late-interaction model)"
            )
        self._record(request)
        items = [np.asarray(a, dtype=np.float32) for a in self._token_handler(request)]
        kind = f"{request.modality}s of {request.dataset}"
        if len(items) != len(request.ids) or any(a.ndim != 2 or len(a) < 1 for a in items):
            shapes = [a.shape for a in items]
            raise ModelError(
                f"stub token handler returned {shapes} for {len(request.ids)} {kind}; "
                "expected one (n_i >= 1, D) array per id"
            )
        if not all(np.isfinite(a).all() for a in items):
            raise ModelError(f"stub token handler returned non-finite values for {kind}")
        try:
            return MultiVectors.from_items(items)
        except DataError as err:  # different D per item
            raise ModelError(f"stub token handler: {err}") from err
