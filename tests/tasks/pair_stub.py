"""A stand-in for the embedding provider whose vectors are given per id, for pair-choice tests.

Tasks only call ``images(dataset, ids, paths)`` and ``texts(dataset, ids, texts, role)``; this
stub looks every id up in the dictionaries it was given (texts may also be looked up by their
text) and records the calls, so a test fixes the similarity matrix exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.tasks.base import TaskContext, TaskOptions


@dataclass
class StubProvider:
    """Vectors by image id and by text id (or, failing that, by the text itself)."""

    image_vectors: Mapping[str, Any] | Callable[[str], Any]
    text_vectors: Mapping[str, Any] | Callable[[str, str], Any]
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    def images(self, dataset: str, ids: list[str], paths: list[Path]) -> np.ndarray:
        self.calls.append(("images", dataset, len(ids)))
        assert len(set(ids)) == len(ids) == len(paths)
        get = self.image_vectors
        rows = [get(i) if callable(get) else get[i] for i in ids]
        return np.asarray(rows, dtype=np.float32)

    def texts(
        self, dataset: str, ids: list[str], texts: list[str], role: str = "query"
    ) -> np.ndarray:
        self.calls.append(("texts", dataset, len(ids)))
        assert len(set(ids)) == len(ids) == len(texts)
        get = self.text_vectors
        rows = []
        for i, t in zip(ids, texts, strict=True):
            if callable(get):
                rows.append(get(i, t))
            else:
                rows.append(get[i] if i in get else get[t])
        return np.asarray(rows, dtype=np.float32)


def context(
    embed: StubProvider, data_dir: Path | None, cache_dir: Path, **options: Any
) -> TaskContext:
    """A TaskContext around the stub (the tasks only use ``images`` and ``texts``)."""
    opts = TaskOptions(data_dir=data_dir, cache_dir=cache_dir, **options)
    return TaskContext(options=opts, embed=embed)  # type: ignore[arg-type]
