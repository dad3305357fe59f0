"""SugarCrepe (Hsieh et al. 2023): COCO val2017 images, a true caption and one hard negative.

Local layout (``--data-dir``), as in the official repository (``data/<subset>.json``) next to the
extracted COCO 2017 validation images::

    <data-dir>/add_obj.json   add_att.json   replace_obj.json   replace_att.json
    <data-dir>/replace_rel.json   swap_obj.json   swap_att.json
    <data-dir>/val2017/000000544519.jpg ...

Each JSON file maps an item key to ``{"filename", "caption", "negative_caption"}``; ``filename``
is relative to ``val2017/``. Sizes of the official files: add_obj 2062, add_att 692,
replace_obj 1652, replace_att 788, replace_rel 1406, swap_obj 245, swap_att 666 (7,511 items).

Every requested subset must be present (all seven unless restricted with ``--protocol``); a
missing file is an error that lists what is missing, never a silently smaller benchmark.
Items are resampled by image (``cluster`` = the COCO file name): one image can appear in several
items.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from embedlab.data.image_checks import check_images
from embedlab.data.pair_sets import ChoiceExample, ChoiceSet
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.errors import ConfigError, DataError

NAME = "sugarcrepe"
SUBSETS = (
    "add_obj",
    "add_att",
    "replace_obj",
    "replace_att",
    "replace_rel",
    "swap_obj",
    "swap_att",
)
OFFICIAL_SIZES = {
    "add_obj": 2062,
    "add_att": 692,
    "replace_obj": 1652,
    "replace_att": 788,
    "replace_rel": 1406,
    "swap_obj": 245,
    "swap_att": 666,
}
IMAGE_DIR = "val2017"
FIELDS = ("filename", "caption", "negative_caption")
LAYOUT_HINT = (
    "Expected <data-dir>/<subset>.json (from the SugarCrepe repository's data/ folder) and the "
    "COCO 2017 validation images in <data-dir>/val2017/."
)


def load_sugarcrepe(data_dir: Path, subsets: Sequence[str] = SUBSETS) -> ChoiceSet:
    """Load the requested SugarCrepe subsets from ``data_dir``.

    Raises:
        DataError: a subset file is missing (all are listed) or malformed (naming the file and
            item), or an image is missing or unreadable (naming the item).
    """
    missing = [s for s in subsets if not (data_dir / f"{s}.json").is_file()]
    if missing:
        present = [s for s in SUBSETS if (data_dir / f"{s}.json").is_file()]
        raise DataError(
            f"{NAME}: missing subset files in {str(data_dir)!r}: "
            f"{', '.join(f'{s}.json' for s in missing)} (present: {', '.join(present) or 'none'}). "
            f"{LAYOUT_HINT} To run only some subsets, name them with --protocol, e.g. "
            "--protocol swap_obj --protocol swap_att."
        )
    examples = [e for subset in subsets for e in _read_subset(data_dir, subset)]
    check_images(
        ((e.image_path, f"item {e.item_id!r}") for e in examples), name=NAME, hint=LAYOUT_HINT
    )
    return ChoiceSet(
        name=NAME,
        split="test",
        source=str(data_dir),
        examples=examples,
        meta={"subsets": ",".join(subsets)},
    )


def _read_subset(data_dir: Path, subset: str) -> list[ChoiceExample]:
    path = data_dir / f"{subset}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{NAME}: cannot read {str(path)!r} as JSON ({exc})") from None
    if not isinstance(data, dict) or not data:
        raise DataError(
            f"{NAME}: {str(path)!r} must be a non-empty JSON object mapping item ids to "
            '{"filename", "caption", "negative_caption"}'
        )
    return [_example(subset, str(key), entry, path) for key, entry in data.items()]


def _example(subset: str, key: str, entry: Any, path: Path) -> ChoiceExample:
    where = f"{NAME}: {path.name}, item {key!r}"
    if not isinstance(entry, dict):
        raise DataError(f"{where} must be a JSON object with fields {', '.join(FIELDS)}")
    for field in FIELDS:
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            raise DataError(f"{where}: field {field!r} is missing or not a non-empty string")
    filename = entry["filename"]
    if Path(filename).is_absolute() or ".." in Path(filename).parts:
        raise DataError(f"{where}: filename {filename!r} must be relative to {IMAGE_DIR}/")
    return ChoiceExample(
        item_id=f"{subset}/{key}",
        image_id=filename,
        image_path=data_dir_image(path.parent, filename),
        true_caption=entry["caption"],
        alternatives=(entry["negative_caption"],),
        group=subset,
        cluster=filename,
    )


def data_dir_image(data_dir: Path, filename: str) -> Path:
    """The file of a SugarCrepe image: ``<data-dir>/val2017/<filename>``."""
    return data_dir / IMAGE_DIR / filename


@register_dataset(NAME, "choices", "SugarCrepe's seven subsets on COCO val2017 (--data-dir)")
def _load_registered(request: DatasetRequest) -> ChoiceSet:
    if request.data_dir is None:
        raise ConfigError(
            "sugarcrepe needs --data-dir: a folder with the seven <subset>.json files of the "
            "SugarCrepe repository and the COCO 2017 validation images in val2017/"
        )
    return load_sugarcrepe(request.data_dir, tuple(request.options.get("subsets", SUBSETS)))
