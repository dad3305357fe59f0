"""The Ray actor of the ``ray`` executor: loads the model once, encodes one batch per call.

It runs in a Ray worker process. The model is built exactly as in a local run (an
:class:`~embedlab.embedding.provider.EmbeddingProvider` of the same spec, whose ``_encode``
applies roles and instructions), and images are decoded here, in the worker. A failure that
retrying cannot fix (the model does not load, a package is missing on the worker, an image is
unreadable) is not raised, which Ray would answer by restarting the actor: it is returned in the
``error`` column as ``"ClassName\\tmessage"`` for the driver to raise as one line.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from embedlab.data.images import load_image
from embedlab.embedding.executors.base import EncodeRecipe
from embedlab.errors import EmbedlabError, ModelError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.runtimes import RuntimeOptions

Loader = Callable[[ModelSpec, RuntimeOptions], Encoder]
Batch = dict[str, NDArray[Any]]


class EncodeActor:
    """Subclassed per run with the class attributes set (see :func:`actor_class`)."""

    recipe: ClassVar[EncodeRecipe]
    #: Replaces ``load_encoder`` (tests inject faults this way); None: the normal loader.
    loader: ClassVar[Loader | None] = None

    def __init__(self) -> None:
        from embedlab.embedding.provider import EmbeddingProvider

        self.failure: str | None = None
        recipe = type(self).recipe
        try:
            provider = EmbeddingProvider(
                recipe.spec, recipe.cache_dir, workers=1, api_key_env=recipe.api_key_env
            )
            expected = recipe.fingerprint
            if expected is not None and provider.fingerprint != expected:
                raise ModelError(
                    f"model {recipe.spec.name} here is not the driver's: its weights fingerprint "
                    f"{provider.fingerprint} differs from {expected}; install the same weights "
                    "on every node"
                )
            loader = type(self).loader
            if loader is None:
                provider.encoder  # noqa: B018  (load once per actor)
            else:
                provider._encoder = loader(recipe.spec, provider._options())
            self.provider = provider
        except EmbedlabError as exc:
            self.failure = f"{type(exc).__name__}\t{exc}"
        except ImportError as exc:
            self.failure = (
                f"MissingDependencyError\tthe model needs the Python package "
                f"{exc.name or exc!s}, which is not installed on this Ray worker; install "
                "embedlab with the model's extra on every node of the cluster"
            )

    def __call__(self, batch: Batch) -> Batch:
        """Vectors of one block (= one batch of the local executor) of ``item`` rows."""
        if self.failure is not None:
            return _failed(batch, self.failure)
        recipe = type(self).recipe
        try:
            items: list[Any] = [str(item) for item in batch["item"].tolist()]
            if recipe.modality == "image":
                items = [load_image(Path(path)) for path in items]
            vectors = self.provider._encode(items, recipe.instruction, recipe.role)
        except EmbedlabError as exc:
            return _failed(batch, f"{type(exc).__name__}\t{exc}")
        n = len(batch["index"])
        return {
            "shard": batch["shard"],
            "index": batch["index"],
            "vector": np.asarray(vectors, dtype=np.float32).reshape(n, -1),
            "error": np.full(n, "", dtype=object),
        }


def _failed(batch: Batch, failure: str) -> Batch:
    n = len(batch["index"])
    name, _, message = failure.partition("\t")
    text = f"{name}\ton Ray worker {socket.gethostname()}: {message}"
    return {
        "shard": batch["shard"],
        "index": batch["index"],
        "vector": np.zeros((n, 1), dtype=np.float32),
        "error": np.full(n, text, dtype=object),
    }


def actor_class(recipe: EncodeRecipe, loader: Loader | None) -> type[EncodeActor]:
    """A subclass carrying ``recipe`` and ``loader`` as class attributes.

    Ray pickles this class with the actor definition, so no constructor argument waits in the
    object store for a restarted actor.
    """
    attributes: dict[str, Any] = {"recipe": recipe, "loader": None}
    if loader is not None:
        attributes["loader"] = staticmethod(loader)
    return type("EmbedlabEncodeActor", (EncodeActor,), attributes)
