"""A stub :class:`~embedlab.embedding.contract.Embedder` for tests, driven by a handler.

In the manner of httpx's ``MockTransport``: the test passes a function that receives each
:class:`EmbedRequest` and returns the vectors, so a task can be run against hand-made
embeddings without a model, a cache or monkeypatching::

    embedder = StubEmbedder.by_id({"img1": [1, 0], "img1#0": [1, 0], ...})
    result = task.run(TaskContext(embed=embedder, cache_dir=tmp_path))

Every request is recorded in :attr:`StubEmbedder.requests`. Returned vectors are checked like
the real provider's: one finite row per id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ModelError
from embedlab.models.base import Modality, Role

__all__ = ["EmbedRequest", "Handler", "StubEmbedder"]


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


class StubEmbedder:
    """An Embedder whose vectors come from ``handler`` (see the module docstring)."""

    def __init__(
        self,
        handler: Handler,
        model: str = "stub:embedder",
        provenance: Mapping[str, Any] | None = None,
    ) -> None:
        self._handler = handler
        self._model = model
        self._provenance = dict(provenance or {})
        self.requests: list[EmbedRequest] = []

    @classmethod
    def by_id(cls, vectors: Mapping[str, ArrayLike], model: str = "stub:embedder") -> StubEmbedder:
        """A stub returning ``vectors[id]`` for every id (a missing id is a KeyError)."""

        def handler(request: EmbedRequest) -> ArrayLike:
            return np.stack([np.asarray(vectors[i], dtype=np.float32) for i in request.ids])

        return cls(handler, model=model)

    @property
    def model(self) -> str:
        return self._model

    def images(
        self, dataset: str, ids: Sequence[str], paths: Sequence[Path]
    ) -> NDArray[np.float32]:
        items = tuple(str(p) for p in paths)
        return self._call(EmbedRequest("image", dataset, tuple(ids), items, "document"))

    def texts(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> NDArray[np.float32]:
        return self._call(EmbedRequest("text", dataset, tuple(ids), tuple(texts), role))

    def provenance(self) -> Mapping[str, Any]:
        return {"model": self._model, **self._provenance}

    def _call(self, request: EmbedRequest) -> NDArray[np.float32]:
        if len(request.ids) != len(request.items):
            raise ModelError(f"{len(request.ids)} ids for {len(request.items)} items")
        self.requests.append(request)
        out = np.asarray(self._handler(request), dtype=np.float32)
        if out.ndim != 2 or out.shape[0] != len(request.ids):
            n = len(request.ids)
            raise ModelError(f"stub handler returned shape {out.shape} for {n} {request.modality}s")
        if not np.isfinite(out).all():
            raise ModelError(f"stub handler returned non-finite values for {request.dataset}")
        return out
