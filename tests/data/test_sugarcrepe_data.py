"""SugarCrepe loading from the official layout: <subset>.json files plus val2017/ images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedlab.data.sugarcrepe import SUBSETS, load_sugarcrepe
from embedlab.errors import DataError
from tests.fixtures.datasets import write_png


def write_sugarcrepe(root: Path, subsets: tuple[str, ...] = SUBSETS, per_subset: int = 2) -> Path:
    """Tiny subset files; items share two COCO images across subsets."""
    root.mkdir(parents=True, exist_ok=True)
    for subset in subsets:
        entries: dict[str, Any] = {}
        for k in range(per_subset):
            entries[str(k)] = {
                "filename": f"0000000000{k + 1:02d}.jpg",
                "caption": f"{subset} true {k}",
                "negative_caption": f"{subset} false {k}",
            }
        (root / f"{subset}.json").write_text(json.dumps(entries), encoding="utf-8")
    for k in range(per_subset):
        write_png(root / "val2017" / f"0000000000{k + 1:02d}.jpg", color=(k * 90, 20, 20))
    return root


def test_all_subsets_load_with_subset_prefixed_ids(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc")
    choices = load_sugarcrepe(root)
    assert len(choices.examples) == 2 * len(SUBSETS)
    first = choices.examples[0]
    assert first.item_id == "add_obj/0" and first.group == "add_obj"
    assert first.true_caption == "add_obj true 0"
    assert first.alternatives == ("add_obj false 0",)
    assert first.image_path == root / "val2017" / "000000000001.jpg"
    assert first.cluster == first.image_id == "000000000001.jpg"


def test_missing_subsets_are_listed_and_restricting_works(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", subsets=("swap_obj", "swap_att"))
    with pytest.raises(DataError) as info:
        load_sugarcrepe(root)
    message = str(info.value)
    assert "add_obj.json" in message and "replace_rel.json" in message
    assert "present: swap_obj, swap_att" in message and "--protocol" in message
    assert len(load_sugarcrepe(root, ("swap_obj", "swap_att")).examples) == 4


def test_a_missing_field_names_the_file_and_item(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", subsets=("swap_att",))
    data = json.loads((root / "swap_att.json").read_text())
    del data["1"]["negative_caption"]
    (root / "swap_att.json").write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"swap_att.json, item '1': field 'negative_caption'"):
        load_sugarcrepe(root, ("swap_att",))


def test_missing_or_broken_images_name_the_item(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", subsets=("add_att",))
    (root / "val2017" / "000000000002.jpg").unlink()
    with pytest.raises(DataError, match=r"add_att/1.*val2017"):
        load_sugarcrepe(root, ("add_att",))
    (root / "val2017" / "000000000002.jpg").write_bytes(b"\x00\x01")
    with pytest.raises(DataError, match=r"item 'add_att/1'.*cannot be opened"):
        load_sugarcrepe(root, ("add_att",))


def test_malformed_files(tmp_path: Path) -> None:
    root = write_sugarcrepe(tmp_path / "sc", subsets=("add_att",))
    (root / "add_att.json").write_text("[]")
    with pytest.raises(DataError, match="non-empty JSON object"):
        load_sugarcrepe(root, ("add_att",))
    (root / "add_att.json").write_text("{not json")
    with pytest.raises(DataError, match="cannot read"):
        load_sugarcrepe(root, ("add_att",))
