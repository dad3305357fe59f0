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

from embedlab.core.hub import hub_unreachable_reason
from embedlab.errors import DataError, MissingDependencyError

# Karpathy calls it "val"; most Hub copies call that split "validation" (and vice versa).
_HUB_SPLIT_FALLBACK = {"val": "validation", "validation": "val"}
# Streaming reads the Hub's files as it goes, so either offline switch rules it out.
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


def open_rows(
    hub_id: str, split: str, *, purpose: str, config: str | None = None
) -> Iterator[Mapping[str, Any]]:
    """The rows of ``split`` of ``hub_id`` (a Hub id or a local folder) as dicts.

    A Hub id is only opened when the Hub answers a quick probe
    (:func:`embedlab.core.hub.hub_unreachable_reason`): offline or unreachable fails here, in
    seconds, with one message naming the dataset and how to give it locally.

    Args:
        hub_id: Hub dataset id, local data folder, or a ``save_to_disk`` folder.
        split: split name; ``val``/``validation`` are tried as each other when missing.
        purpose: what the rows are for (``loading coco-karpathy``), for the messages.
        config: the dataset's configuration (subset), e.g. ``corpus`` of a BEIR-style dataset;
            for a ``save_to_disk`` folder, its subfolder of that name.

    Raises:
        MissingDependencyError: ``datasets`` is not installed.
        DataError: the Hub cannot be reached, or the dataset or split cannot be opened or read.
    """
    datasets = _import_datasets(purpose)
    if not Path(hub_id).exists():
        require_hub_dataset(hub_id, purpose)
    return _read(datasets, hub_id, split, config)


def config_names(hub_id: str, *, purpose: str) -> list[str]:
    """The configurations (subsets) of ``hub_id`` (a Hub id or a local folder).

    A ``save_to_disk`` folder has none (an empty list); its subfolders are not configurations.

    Raises:
        MissingDependencyError: ``datasets`` is not installed.
        DataError: the Hub cannot be reached, or the dataset cannot be inspected.
    """
    datasets = _import_datasets(purpose)
    local = Path(hub_id)
    if not local.exists():
        require_hub_dataset(hub_id, purpose)
    elif (local / "state.json").is_file() or (local / "dataset_dict.json").is_file():
        return []
    try:
        return [str(name) for name in datasets.get_dataset_config_names(hub_id)]
    except Exception as exc:  # the library's own errors, network errors included
        raise DataError(
            f"{purpose}: could not list the subsets of the Hugging Face dataset {hub_id!r} "
            f"({type(exc).__name__}: {exc}); check the id and your connection"
        ) from None


def require_hub_dataset(hub_id: str, purpose: str, local_hint: str = "the dataset's files") -> None:
    """Raise DataError (naming ``hub_id`` and the offline alternatives) if the Hub is unusable."""
    reason = hub_unreachable_reason(OFFLINE_VARIABLES)
    if reason is not None:
        raise DataError(
            f"{purpose} needs the Hugging Face dataset {hub_id!r}, but {reason}; pass "
            f"--data-dir with {local_hint}, or --hub-id with a local copy (a folder of "
            "parquet/json files or a Dataset.save_to_disk folder)"
        )


def _read(
    datasets: Any, hub_id: str, split: str, config: str | None = None
) -> Iterator[Mapping[str, Any]]:
    try:
        rows = _undecoded(datasets, _open(datasets, hub_id, split, config))
        yield from rows
    except DataError:
        raise
    except Exception as exc:  # the library's own errors, network errors included
        subset = f" of subset {config!r}" if config else ""
        raise DataError(
            f"could not read split {split!r}{subset} of the Hugging Face dataset {hub_id!r} "
            f"({type(exc).__name__}: {exc}); check the id and your connection, "
            "or pass --data-dir with the dataset's files"
        ) from None


def _import_datasets(purpose: str) -> Any:
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError("datasets", extra="hub", purpose=purpose) from None
    return datasets


def _open(datasets: Any, hub_id: str, split: str, config: str | None = None) -> Any:
    local = Path(hub_id)
    if config and (local / config).is_dir():
        local = local / config  # a save_to_disk folder per subset
    if (local / "state.json").is_file() or (local / "dataset_dict.json").is_file():
        return _from_disk(datasets, local, split)
    try:
        return datasets.load_dataset(hub_id, config, split=split, streaming=True)
    except ValueError as exc:
        fallback = _HUB_SPLIT_FALLBACK.get(split)
        if fallback is None or "split" not in str(exc).lower():
            raise
        return datasets.load_dataset(hub_id, config, split=fallback, streaming=True)


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
