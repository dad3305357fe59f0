"""The dataset registry entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.data import DATASETS, DatasetRequest, dataset_names, load_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.errors import UnknownNameError


def test_builtin_datasets_are_registered() -> None:
    names = dataset_names()
    for name in ("coco-karpathy", "flickr30k", "captions", "shapes"):
        assert name in names and name in DATASETS


def test_unknown_name_lists_valid_names(tmp_path: Path) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown dataset 'coco'.*coco-karpathy.*shapes"):
        load_dataset(DatasetRequest("coco", None, tmp_path), ImageTextDataset)
