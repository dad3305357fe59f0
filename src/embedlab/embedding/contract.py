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

Late interaction. A multi-vector model (ColPali, ColQwen2) has ``late_interaction`` True and is
read through :meth:`Embedder.image_tokens` / :meth:`Embedder.text_tokens`: per item a
``(n_tokens, D)`` float32 matrix of unit token vectors, packed as one
:class:`~embedlab.core.multivector.MultiVectors` (padding never included), scored by MaxSim with
the text side as the query side (:mod:`embedlab.scoring.maxsim`). Its dense methods
(``images``/``texts``) raise :class:`~embedlab.errors.ConfigError` naming the model; a dense
model's token methods do the same. A task that supports late interaction checks
``late_interaction`` and takes the token path; a task that does not refuses the model in one
line before any work.

Corpora beyond memory. :meth:`Embedder.text_shards` gives the same rows as ``texts`` as a
:class:`~embedlab.embedding.corpus.ShardedCorpus`: ``(offset, rows)`` shards read one at a
time (the provider: from its cache entry, after computing any missing shard), with its size
``nbytes``. A task with a memory budget (``TaskContext.corpus_memory_mb``) asks for it, holds
the corpus when it fits and otherwise searches it shard by shard
(:func:`~embedlab.scoring.sharded_topk.sharded_topk`: exactly the in-memory top-k, same tie
rule). Tasks never open the cache themselves; a search by Ray tasks hands the corpus's
``ShardedCorpus.entry`` shards to the tasks, which read and verify them where they run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.embedding.corpus import ShardedCorpus
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

    def text_shards(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> ShardedCorpus:
        """The rows of ``texts(dataset, ids, texts, role)`` as shards read one at a time."""
        ...

    @property
    def late_interaction(self) -> bool:
        """True for a multi-vector model: use ``image_tokens``/``text_tokens`` (cheap: never
        loads the model)."""
        ...

    def image_tokens(
        self, dataset: str, ids: Sequence[str], paths: Sequence[Path]
    ) -> MultiVectors:
        """Per image its ``(n_i, D)`` unit token vectors (multi-vector models only)."""
        ...

    def text_tokens(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> MultiVectors:
        """Per text its ``(n_i, D)`` unit token vectors in ``role`` (multi-vector models only)."""
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
