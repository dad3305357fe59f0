"""Datasets: one module per family, each registering a loader in :data:`DATASETS`.

Use :func:`load_dataset` with a :class:`DatasetRequest`; :func:`dataset_names` lists what exists.
"""

from embedlab.data.registry import DATASETS, DatasetRequest, dataset_names, load_dataset
from embedlab.data.types import ImageTextDataset

__all__ = ["DATASETS", "DatasetRequest", "ImageTextDataset", "dataset_names", "load_dataset"]
