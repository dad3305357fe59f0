"""shapes-pairs: colour-swap and relation-swap pairs rendered from the shapes scenes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.data.shapes_pairs import caption, load_shapes_pairs, swapped
from embedlab.data.shapes_scene import Scene
from embedlab.errors import DataError


def test_swaps_and_captions() -> None:
    scene = Scene(("red", "circle"), ("orange", "square"), "left of")
    colour = swapped(scene, "colour-swap")
    relation = swapped(scene, "relation-swap")
    assert caption(scene) == "a red circle left of an orange square"
    assert colour is not None and caption(colour) == "an orange circle left of a red square"
    assert relation is not None and caption(relation) == "an orange square left of a red circle"
    assert swapped(Scene(("red", "circle"), ("red", "square"), "above"), "colour-swap") is None


def test_pairs_from_a_generated_set(shapes_dir: Path, tmp_path: Path) -> None:
    pairs = load_shapes_pairs(shapes_dir, tmp_path / "cache")
    assert {e.tag for e in pairs.examples} == {"colour-swap", "relation-swap"}
    assert len(pairs.examples) > 24
    for e in pairs.examples:
        c0, c1 = e.captions
        assert c0 != c1 and Counter(c0.split()) == Counter(c1.split())
        assert all(p.is_file() for p in e.image_paths)
    e = next(x for x in pairs.examples if x.tag == "colour-swap")
    with Image.open(e.image_paths[0]) as a, Image.open(e.image_paths[1]) as b:
        pa, pb = np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))
    # same geometry: the background mask is identical, the colours differ
    background = np.array([245, 245, 245])
    assert ((pa == background).all(-1) == (pb == background).all(-1)).all()
    assert not (pa == pb).all()
    # reused, not redrawn, on a second load
    mtime = e.image_paths[0].stat().st_mtime_ns
    assert load_shapes_pairs(shapes_dir, tmp_path / "cache").fingerprint == pairs.fingerprint
    assert e.image_paths[0].stat().st_mtime_ns == mtime


def test_broken_scene_is_a_data_error(tmp_path: Path) -> None:
    root = tmp_path / "shapes"
    root.mkdir()
    doc = {"images": [{"filename": "x.png", "scene": {"objects": [], "relation": "above"}}]}
    (root / "dataset_shapes.json").write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"images\[0\]"):
        load_shapes_pairs(root, tmp_path / "cache")
    with pytest.raises(DataError, match="does not exist"):
        load_shapes_pairs(tmp_path / "nowhere", tmp_path / "cache")
