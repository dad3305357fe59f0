"""The registry of every dataset embedlab can load, of every kind, and the request loaders get.

Each dataset module registers its loader with :func:`register_dataset` (name, kind, one-line
description); tasks load through :func:`load_dataset`, which checks the loaded value has the type
the task expects. Kinds: ``image-text`` (captioned images: the retrieval tasks), ``pairs``
(Winoground-style 2×2 items), ``choices`` (one image, a true caption and alternatives: SugarCrepe,
ARO), ``text-retrieval`` (BEIR layout: corpus, queries, graded qrels), ``class-folder``
(zero-shot classification), ``doc-retrieval`` (page images, text queries, graded qrels: the
``vidore`` task). A new dataset is one module in this package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from embedlab._registry import Registry
from embedlab.errors import ConfigError

T = TypeVar("T")
DatasetKind = Literal[
    "image-text", "pairs", "choices", "text-retrieval", "class-folder", "doc-retrieval"
]
KINDS: tuple[DatasetKind, ...] = (
    "image-text",
    "pairs",
    "choices",
    "text-retrieval",
    "class-folder",
    "doc-retrieval",
)


@dataclass(frozen=True)
class DatasetRequest:
    """What a dataset loader is asked for.

    Attributes:
        name: registry name (``coco-karpathy``, ``winoground``, ``beir``...).
        data_dir: local directory given with ``--data-dir``; ``None`` means "use the Hub" (or
            the generated default, for synthetic sets).
        cache_dir: where downloaded images and generated data may be stored.
        split: split to load (``test`` for the benchmarks).
        hub_id: override of the loader's default Hugging Face dataset id.
        options: loader-specific settings (``classnames``/``templates`` files of a class
            folder, ``subsets`` of SugarCrepe).
    """

    name: str
    data_dir: Path | None
    cache_dir: Path
    split: str = "test"
    hub_id: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetDef(Generic[T]):
    """A registered dataset: its kind, its loader and what it is."""

    name: str
    kind: DatasetKind
    load: Callable[[DatasetRequest], T]
    description: str


DATASETS: Registry[DatasetDef[Any]] = Registry("dataset", autoload="embedlab.data")


def register_dataset(
    name: str, kind: DatasetKind, description: str
) -> Callable[[Callable[[DatasetRequest], T]], Callable[[DatasetRequest], T]]:
    """Decorator registering a loader ``(request) -> dataset`` as dataset ``name``."""

    def decorator(loader: Callable[[DatasetRequest], T]) -> Callable[[DatasetRequest], T]:
        DATASETS.register(name)(DatasetDef(name, kind, loader, description))
        return loader

    return decorator


def load_dataset(request: DatasetRequest, expected: type[T]) -> T:
    """Load the dataset ``request.name`` with its registered loader.

    Args:
        request: which dataset, from where.
        expected: the type the caller works with (e.g. ``ImageTextDataset``).

    Raises:
        UnknownNameError: no dataset of that name (the message lists the valid names).
        ConfigError: the dataset is of another kind than the caller can use.
        DataError: the dataset's files or rows are missing or malformed.
        MissingDependencyError: a Hub dataset was asked for without ``datasets`` installed.
    """
    definition = DATASETS.get(request.name)
    loaded = definition.load(request)
    if not isinstance(loaded, expected):
        raise ConfigError(
            f"dataset {request.name!r} is of kind {definition.kind}, which this task cannot use"
        )
    return loaded


def dataset_names(kind: DatasetKind | None = None) -> list[str]:
    """Names of the registered datasets (of one ``kind`` if given), sorted."""
    return [n for n in DATASETS.names() if kind is None or DATASETS.get(n).kind == kind]
