"""The synthetic ``shapes`` generator and dataset."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedlab.data import DatasetRequest, load_dataset
from embedlab.data.shapes import JSON_NAME, default_shapes_dir, generate_shapes
from embedlab.data.shapes_scene import COLORS, RELATIONS, SHAPES, max_scenes
from embedlab.data.types import ImageTextDataset
from embedlab.errors import ConfigError, DataError
from tests.fixtures.datasets import SHAPES_N_IMAGES


def _doc(root: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((root / JSON_NAME).read_text(encoding="utf-8"))
    return doc


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a = generate_shapes(tmp_path / "a", 12, seed=3)
    b = generate_shapes(tmp_path / "b", 12, seed=3)
    assert _files(a) == _files(b)
    assert len(_files(a)) == 13


def test_different_seeds_give_different_scenes(tmp_path: Path) -> None:
    a = _doc(generate_shapes(tmp_path / "a", 12, seed=1))["images"]
    b = _doc(generate_shapes(tmp_path / "b", 12, seed=2))["images"]
    assert [e["scene"] for e in a] != [e["scene"] for e in b]
    assert {e["filename"] for e in a}.isdisjoint(e["filename"] for e in b)


def test_layout_captions_and_scenes(shapes_dir: Path) -> None:
    images = _doc(shapes_dir)["images"]
    assert len(images) == SHAPES_N_IMAGES
    assert Counter(len(e["sentences"]) for e in images) == {4: 8, 5: 8, 6: 8}
    sentids = [s["sentid"] for e in images for s in e["sentences"]]
    assert sentids == list(range(len(sentids)))
    for entry in images:
        assert entry["split"] == "test" and entry["filepath"] == "images"
        assert entry["sentids"] == [s["sentid"] for s in entry["sentences"]]
        assert (shapes_dir / "images" / entry["filename"]).is_file()
        scene = entry["scene"]
        a, b = scene["objects"]
        assert scene["relation"] in RELATIONS
        assert {a["color"], b["color"]} <= set(COLORS) and {a["shape"], b["shape"]} <= set(SHAPES)
        assert entry["sentences"][0]["raw"] == f"{_np(a)} {scene['relation']} {_np(b)}"
        raws = [s["raw"] for s in entry["sentences"]]
        assert len(set(raws)) == len(raws)
    scenes = [json.dumps(e["scene"], sort_keys=True) for e in images]
    assert len(set(scenes)) == len(scenes)


def _np(obj: dict[str, str]) -> str:
    noun = f"{obj['color']} {obj['shape']}"
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _centroid(image: np.ndarray[Any, Any], color: tuple[int, int, int]) -> np.ndarray[Any, Any]:
    ys, xs = np.nonzero((image == np.array(color)).all(axis=-1))
    return np.array([xs.mean(), ys.mean()])


def test_pictures_match_their_relation(tmp_path: Path) -> None:
    root = generate_shapes(tmp_path, 40, seed=5, image_size=48)
    checked = 0
    for entry in _doc(root)["images"]:
        a, b = entry["scene"]["objects"]
        if a["color"] == b["color"]:
            continue
        pixels = np.asarray(Image.open(root / "images" / entry["filename"]).convert("RGB"))
        assert pixels.shape == (48, 48, 3)
        (ax, ay), (bx, by) = (
            _centroid(pixels, COLORS[a["color"]]),
            _centroid(pixels, COLORS[b["color"]]),
        )
        expected = {"left of": ax < bx, "right of": ax > bx, "above": ay < by, "below": ay > by}
        assert expected[entry["scene"]["relation"]], entry
        checked += 1
    assert checked > 20


def test_dataset_from_data_dir(shapes_dir: Path, tmp_path: Path) -> None:
    ds = load_dataset(DatasetRequest("shapes", shapes_dir, tmp_path), ImageTextDataset)
    doc = _doc(shapes_dir)
    assert ds.n_images == SHAPES_N_IMAGES
    assert ds.image_ids[0] == "s0-64px-00000"
    assert ds.captions[ds.first_caption[3]] == doc["images"][3]["sentences"][0]["raw"]
    assert ds.image_paths[0] == shapes_dir / "images" / "s0-64px-00000.png"
    assert np.bincount(ds.caption_image).tolist()[:3] == [4, 6, 5]


def test_default_set_is_generated_once(tmp_path: Path) -> None:
    ds = load_dataset(DatasetRequest("shapes", None, tmp_path), ImageTextDataset)
    assert ds.n_images == 200 and ds.split == "test"
    root = default_shapes_dir(tmp_path)
    stamp = (root / JSON_NAME).stat().st_mtime_ns
    again = load_dataset(DatasetRequest("shapes", None, tmp_path), ImageTextDataset)
    assert (root / JSON_NAME).stat().st_mtime_ns == stamp
    assert again.fingerprint == ds.fingerprint
    assert [p.name for p in (tmp_path / "shapes").iterdir()] == [root.name]  # no staging left


def test_default_set_replaces_an_incomplete_folder(tmp_path: Path) -> None:
    root = default_shapes_dir(tmp_path)
    (root / JSON_NAME).unlink()
    assert default_shapes_dir(tmp_path) == root and (root / JSON_NAME).is_file()


def test_wrong_split_lists_the_generated_one(shapes_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no image with split 'val'.*test \(24 images\)"):
        load_dataset(DatasetRequest("shapes", shapes_dir, tmp_path, split="val"), ImageTextDataset)


@pytest.mark.parametrize(
    ("n_images", "seed", "image_size", "message"),
    [
        (0, 0, 64, "n_images"),
        (max_scenes() + 1, 0, 64, "n_images"),
        (4, -1, 64, "seed"),
        (4, 0, 8, "image_size"),
    ],
)
def test_bad_arguments(
    tmp_path: Path, n_images: int, seed: int, image_size: int, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        generate_shapes(tmp_path, n_images, seed, image_size=image_size)


def test_a_full_disk_while_generating_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from PIL import Image

    from embedlab.data.shapes import generate_shapes
    from embedlab.errors import ResultsError

    def full(self: Image.Image, fp: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    with pytest.raises(ResultsError, match=r"cannot write .*\.png: No space left on device"):
        generate_shapes(tmp_path / "s", n_images=3, seed=0)
