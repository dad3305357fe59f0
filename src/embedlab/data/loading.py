"""Loading a dataset by registry name: the entry point the engine and tasks use."""

from __future__ import annotations

import importlib

from embedlab.data.registry import DATASETS, DatasetRequest
from embedlab.data.types import ImageTextDataset

# Modules that register the built-in datasets; importing them is cheap (heavy imports are lazy).
_BUILTIN_MODULES = ("coco_karpathy", "flickr30k", "captions", "shapes")


def load_builtin_datasets() -> None:
    """Import the modules that register the built-in datasets (idempotent)."""
    for module in _BUILTIN_MODULES:
        importlib.import_module(f"embedlab.data.{module}")


def dataset_names() -> list[str]:
    """Names of every registered dataset, sorted."""
    load_builtin_datasets()
    return DATASETS.names()


def load_dataset(request: DatasetRequest) -> ImageTextDataset:
    """Load the dataset ``request.name`` names.

    Raises:
        UnknownNameError: no dataset of that name (the message lists the valid names).
        DataError: the dataset's files or rows are missing or malformed.
        MissingDependencyError: a Hub dataset was asked for without ``datasets`` installed.
    """
    load_builtin_datasets()
    return DATASETS.get(request.name)(request)
