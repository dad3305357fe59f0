"""The registry of image–text datasets and the request every loader receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embedlab._registry import Registry
from embedlab.data.types import ImageTextDataset


@dataclass(frozen=True)
class DatasetRequest:
    """What a dataset loader is asked for.

    Attributes:
        name: registry name (``coco-karpathy``, ``flickr30k``, ``captions``, ``shapes``).
        data_dir: local directory given with ``--data-dir``; ``None`` means "use the Hub".
        split: split to load (``test`` for the benchmarks).
        cache_dir: where downloaded images and generated data may be stored.
        hub_id: override of the loader's default Hugging Face dataset id.
    """

    name: str
    data_dir: Path | None
    cache_dir: Path
    split: str = "test"
    hub_id: str | None = None


DatasetLoader = Callable[[DatasetRequest], ImageTextDataset]
DATASETS: Registry[DatasetLoader] = Registry("dataset", autoload="embedlab.data")


def load_dataset(request: DatasetRequest) -> ImageTextDataset:
    """Load the dataset ``request.name`` with its registered loader.

    Raises:
        UnknownNameError: no dataset of that name (the message lists the valid names).
        DataError: the dataset's files or rows are missing or malformed.
        MissingDependencyError: a Hub dataset was asked for without ``datasets`` installed.
    """
    return DATASETS.get(request.name)(request)


def dataset_names() -> list[str]:
    """Names of every registered dataset, sorted."""
    return DATASETS.names()
