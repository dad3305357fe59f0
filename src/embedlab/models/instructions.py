"""Instructions: the task-dependent text an instruction-aware embedder reads beside each item.

A task declares its :data:`TaskKind`; an instruction-aware source (:class:`InstructedSource`,
e.g. ``mllm:``) resolves, from the kind and the user's overrides, the instruction of each role
(:class:`Instructions`) without loading the model; an instruction-aware encoder
(:class:`InstructedEncoder`) embeds a batch under a given instruction. Sources and encoders
that take no instructions (CLIP-type dual encoders) implement neither and are called as before.

Resolved instructions enter the embedding cache key and the finished-part key, so embeddings
with and without an instruction are never shared, and they are recorded in the results. In the
cache key the model string is written without its instruction options
(:func:`without_instruction_options`): the resolved instruction stands for them, so changing the
query instruction leaves the documents' vectors reusable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab.models.base import ModelSpec, Role

if TYPE_CHECKING:
    from PIL import Image

#: What a task embeds for: image–text retrieval (t2i/i2t), text retrieval (BEIR),
#: classification (zero-shot), pair choice (Winoground-style comparisons).
TaskKind = Literal["image-text-retrieval", "text-retrieval", "classification", "pair-choice"]
TASK_KINDS: tuple[str, ...] = (
    "image-text-retrieval",
    "text-retrieval",
    "classification",
    "pair-choice",
)


@dataclass(frozen=True)
class Instructions:
    """The instruction of each role, and where each came from (``recipe ...`` or a flag)."""

    query: str
    document: str
    query_origin: str
    document_origin: str

    def of(self, role: Role) -> str:
        """The instruction of ``role``."""
        return self.query if role == "query" else self.document

    def record(self) -> dict[str, str]:
        """JSON-ready: ``{"query": ..., "document": ..., "query_origin": ..., ...}``."""
        return {
            "query": self.query,
            "document": self.document,
            "query_origin": self.query_origin,
            "document_origin": self.document_origin,
        }


@runtime_checkable
class InstructedSource(Protocol):
    """A model source whose models take instructions (cheap: never loads the model)."""

    def instructions(self, spec: ModelSpec, kind: TaskKind | None) -> Instructions: ...


@runtime_checkable
class InstructedEncoder(Protocol):
    """An encoder that embeds a batch under an instruction."""

    def encode_instructed(
        self, items: Sequence[Image.Image] | Sequence[str], instruction: str
    ) -> NDArray[np.float32]: ...

    def mean_tokens(self) -> float | None:
        """Mean tokens per item so far (None before the first call)."""
        ...


#: The reference options that set instructions (``?query_instruction=...``).
INSTRUCTION_OPTIONS = ("query_instruction", "document_instruction")


def without_instruction_options(model: str) -> str:
    """``model`` with its instruction options removed (the others kept, sorted)."""
    base, sep, query = model.partition("?")
    if not sep:
        return model
    kept = sorted(p for p in query.split("&") if p.partition("=")[0] not in INSTRUCTION_OPTIONS)
    return base + ("?" + "&".join(kept) if kept else "")


def resolve_instructions(spec: ModelSpec, kind: TaskKind | None) -> Instructions | None:
    """The instructions ``spec`` uses for tasks of ``kind``; None for models without any.

    Raises:
        ConfigError: the recipe needs a query instruction for ``kind`` and none is known.
    """
    from embedlab.models.registry import MODEL_SOURCES

    source: Any = MODEL_SOURCES.get(spec.source)
    if isinstance(source, InstructedSource):
        return source.instructions(spec, kind)
    return None
