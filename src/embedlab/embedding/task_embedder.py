"""An :class:`~embedlab.embedding.provider.EmbeddingProvider` as one task sees it.

Every call carries the task's kind, through which an instruction-aware model picks its
instructions (:mod:`embedlab.models.instructions`). A new Embedder method must be forwarded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.embedding.corpus import ShardedCorpus
from embedlab.models.base import Role
from embedlab.models.instructions import TaskKind

if TYPE_CHECKING:
    from embedlab.embedding.provider import EmbeddingProvider


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

    def text_shards(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> ShardedCorpus:
        """The provider's text shards under this task's kind."""
        return self.provider.text_shards(dataset, ids, texts, role, kind=self.kind)

    @property
    def late_interaction(self) -> bool:
        """The provider's (cheap: never loads the model)."""
        return self.provider.late_interaction

    def image_tokens(self, dataset: str, ids: Sequence[str], paths: Sequence[Path]) -> MultiVectors:
        """The provider's image token vectors."""
        return self.provider.image_tokens(dataset, ids, paths, kind=self.kind)

    def text_tokens(
        self, dataset: str, ids: Sequence[str], texts: Sequence[str], role: Role = "query"
    ) -> MultiVectors:
        """The provider's text token vectors in ``role``."""
        return self.provider.text_tokens(dataset, ids, texts, role, kind=self.kind)

    def provenance(self) -> dict[str, Any]:
        """The provider's provenance, plus the resolved instructions of this task's kind."""
        details = self.provider.provenance()
        instructions = self.provider.instructions(self.kind)
        return (
            details if instructions is None else {**details, "instructions": instructions.record()}
        )
