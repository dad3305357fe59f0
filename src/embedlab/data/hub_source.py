"""Reading the rows of one split with 🤗 ``datasets`` — the only module that imports it.

Hub ids are read in streaming mode so that only the requested split is downloaded (a plain
``load_dataset(hub_id, split=...)`` prepares every split, which for Flickr30k with embedded images
means gigabytes of training images). Image columns are read undecoded (encoded bytes), so images are
cached exactly as published. Every failure of the library becomes a :class:`DataError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from embedlab.errors import DataError, MissingDependencyError

# Karpathy calls it "val"; most Hub copies call that split "validation" (and vice versa).
_HUB_SPLIT_FALLBACK = {"val": "validation", "validation": "val"}


def open_rows(hub_id: str, split: str, *, purpose: str) -> Iterator[Mapping[str, Any]]:
    """Yield the rows of ``split`` of ``hub_id`` (a Hub id or a local folder) as dicts.

    Args:
        hub_id: Hub dataset id, local data folder, or a ``save_to_disk`` folder.
        split: split name; ``val``/``validation`` are tried as each other when missing.
        purpose: what the rows are for, for the missing-dependency message.

    Raises:
        MissingDependencyError: ``datasets`` is not installed.
        DataError: the dataset or split cannot be opened or read.
    """
    datasets = _import_datasets(purpose)
    try:
        rows = _undecoded(datasets, _open(datasets, hub_id, split))
        yield from rows
    except DataError:
        raise
    except Exception as exc:  # the library's own errors, network errors included
        raise DataError(
            f"could not read split {split!r} of the Hugging Face dataset {hub_id!r} "
            f"({type(exc).__name__}: {exc}); check the id and your connection, "
            "or pass --data-dir with the dataset's files"
        ) from None


def _import_datasets(purpose: str) -> Any:
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError("datasets", extra="hub", purpose=purpose) from None
    return datasets


def _open(datasets: Any, hub_id: str, split: str) -> Any:
    local = Path(hub_id)
    if (local / "state.json").is_file() or (local / "dataset_dict.json").is_file():
        return _from_disk(datasets, local, split)
    try:
        return datasets.load_dataset(hub_id, split=split, streaming=True)
    except ValueError as exc:
        fallback = _HUB_SPLIT_FALLBACK.get(split)
        if fallback is None or "split" not in str(exc).lower():
            raise
        return datasets.load_dataset(hub_id, split=fallback, streaming=True)


def _from_disk(datasets: Any, folder: Path, split: str) -> Any:
    loaded = datasets.load_from_disk(str(folder))
    if not isinstance(loaded, datasets.DatasetDict):
        return loaded  # a single saved Dataset is taken to be the requested split
    for name in (split, _HUB_SPLIT_FALLBACK.get(split)):
        if name in loaded:
            return loaded[name]
    raise DataError(
        f"the saved dataset {str(folder)!r} has no split {split!r}; splits present: "
        f"{', '.join(sorted(loaded))}"
    )


def _undecoded(datasets: Any, dataset: Any) -> Any:
    """Return ``dataset`` with its ``image`` column (if an Image feature) as encoded bytes."""
    features = getattr(dataset, "features", None)
    if features is not None and isinstance(features.get("image"), datasets.Image):
        return dataset.cast_column("image", datasets.Image(decode=False))
    return dataset
