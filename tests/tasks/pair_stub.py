"""Hand-made embeddings for task tests: the shipped StubEmbedder with vectors per id or text.

Tasks only see the :class:`~embedlab.embedding.contract.Embedder` contract; these helpers build
a :class:`~embedlab.embedding.stub.StubEmbedder` whose handler looks every id up in the mapping
(or calls the function) it was given — texts may also be looked up by the text itself — so a
test fixes the similarity matrix exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.tasks.base import TaskContext


def pair_embedder(
    image_vectors: Mapping[str, Any] | Callable[[str], Any],
    text_vectors: Mapping[str, Any] | Callable[[str, str], Any],
) -> StubEmbedder:
    """Vectors by image id and by text id (or, failing that, by the text itself)."""

    def handler(request: EmbedRequest) -> np.ndarray:
        assert len(set(request.ids)) == len(request.ids)
        if request.modality == "image":
            get_image = image_vectors
            return np.asarray(
                [get_image(i) if callable(get_image) else get_image[i] for i in request.ids]
            )
        get = text_vectors
        rows = []
        for i, t in zip(request.ids, request.items, strict=True):
            if callable(get):
                rows.append(get(i, t))
            else:
                rows.append(get[i] if i in get else get[t])
        return np.asarray(rows)

    return StubEmbedder(handler)


def calls(stub: StubEmbedder) -> list[tuple[str, str, int]]:
    """``(images|texts, dataset, n items)`` of every request, in order."""
    return [(f"{r.modality}s", r.dataset, len(r.ids)) for r in stub.requests]


def context(embed: StubEmbedder, cache_dir: Path) -> TaskContext:
    """A TaskContext around the stub."""
    return TaskContext(embed=embed, cache_dir=cache_dir)
