"""The contract between tasks and models: :class:`Embedder`.

A task never sees a model: it asks an :class:`Embedder` for the embeddings of whole item lists
(every image of a dataset, every caption) and gets float32 arrays ``(N, D)``, one row per id, in
the order given. The implementation decides about caching, batching, decoding, the runtime and
progress. Ids are stable item ids; ``dataset`` names the cache entry (two tasks that embed the
same images under the same dataset name share them).

Tasks never name instructions: each declares its kind (``TaskDef.kind``) and the run hands it
an Embedder bound to that kind (``EmbeddingProvider.for_task``), through which an
instruction-aware model (``mllm:``) picks its query/document instructions
(:mod:`embedlab.models.instructions`). A new Embedder method must be forwarded there too.

Dense single-vector embeddings today; late-interaction models will add a multi-vector form (per
item a ``(n_tokens, D)`` matrix) beside these methods without changing them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from embedlab.models.base import Role

__all__ = ["Embedder", "provenance_notes"]


class Embedder(Protocol):
    """Embeddings of item lists for one model (see the module docstring)."""

    @property
    def model(self) -> str:
        """The model string (``hf:openai/clip-vit-base-patch16``), for records and messages."""
        ...

    def images(
        self, dataset: str, ids: Sequence[str], paths: Sequence[Path]
    ) -> NDArray[np.float32]:
        """Embeddings of the image files at ``paths`` (``ids`` are their stable ids)."""
        ...

    def texts(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> NDArray[np.float32]:
        """Embeddings of ``texts`` in ``role`` (the model's query or document prompt)."""
        ...

    def provenance(self) -> Mapping[str, Any]:
        """What to record about the model beside results (``{"model": ..., "prompts": ...}``).

        Cheap: it never loads the model.
        """
        ...


def provenance_notes(details: Mapping[str, Any]) -> list[str]:
    """One-line notes for the results: the prompts used, and a Matryoshka warning if any."""
    notes = []
    prompts = details.get("prompts")
    if isinstance(prompts, dict):
        origins = details.get("prompt_origins", {})
        shown = "; ".join(
            f"{role} prompt {text!r} ({origins.get(role, '?')})" for role, text in prompts.items()
        )
        notes.append(f"model {details['model']}: {shown}")
    matryoshka = details.get("matryoshka")
    if isinstance(matryoshka, dict) and matryoshka.get("warning"):
        notes.append(str(matryoshka["warning"]))
    return notes
