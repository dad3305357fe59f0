"""Training and evaluation data of ``shapes-clip``: shapes sets with disjoint scenes.

The evaluation set is embedlab's default ``shapes`` set (200 images, seed 0, split ``test``).
The training set is written by the same generator with other seeds and split ``train``; since
only ~1,104 distinct scenes exist, every image whose scene (both objects and the relation, in
either of its two equivalent orientations) occurs in the evaluation set is dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from embedlab.data.shapes import (
    DEFAULT_IMAGE_SIZE,
    DEFAULT_N_IMAGES,
    DEFAULT_SEED,
    JSON_NAME,
    generate_shapes,
)
from embedlab.data.shapes_scene import INVERSE, Scene, max_scenes

SceneKey = tuple[tuple[str, str], tuple[str, str], str]


def scene_of(entry: dict[str, Any]) -> Scene:
    """The :class:`Scene` stored in one ``dataset_shapes.json`` image entry."""
    (a, b), relation = entry["scene"]["objects"], entry["scene"]["relation"]
    return Scene((a["color"], a["shape"]), (b["color"], b["shape"]), relation)


def scene_key(scene: Scene) -> SceneKey:
    """Orientation-free identity: "A right of B" and "B left of A" give the same key."""
    if scene.relation in ("left of", "above"):
        return scene.a, scene.b, scene.relation
    return scene.b, scene.a, INVERSE[scene.relation]


def read_entries(folder: Path) -> list[dict[str, Any]]:
    """The image entries of a generated shapes set."""
    data = json.loads((folder / JSON_NAME).read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = data["images"]
    return entries


def make_eval_set(work: Path) -> Path:
    """Write the default evaluation set (same arguments as embedlab's default ``shapes``)."""
    return generate_shapes(
        work / "eval", DEFAULT_N_IMAGES, DEFAULT_SEED, "test", DEFAULT_IMAGE_SIZE
    )


def train_seeds(seed: int, n_sets: int) -> list[int]:
    """Generator seeds of the training sets; never the evaluation seed."""
    seeds = [1 + seed * n_sets + i for i in range(n_sets)]
    assert DEFAULT_SEED not in seeds
    return seeds


@dataclass
class TrainSet:
    """Training images (uint8, NHWC) with their captions, scene ids and generator seeds."""

    pixels: NDArray[np.uint8]
    captions: list[list[str]]
    scene_ids: NDArray[np.int64]
    scene_keys: list[SceneKey]
    seeds: list[int]
    n_generated: int

    @property
    def n_scenes(self) -> int:
        """Number of distinct scenes in the training set."""
        return len(self.scene_keys)


def make_train_set(work: Path, seeds: list[int], exclude: set[SceneKey]) -> TrainSet:
    """Generate one full shapes set per seed (split ``train``), dropping ``exclude`` scenes."""
    pixels: list[NDArray[np.uint8]] = []
    captions: list[list[str]] = []
    keys: list[SceneKey] = []
    n_generated = 0
    for seed in seeds:
        folder = generate_shapes(work / f"train-{seed}", max_scenes(), seed, "train", 64)
        for entry in read_entries(folder):
            n_generated += 1
            key = scene_key(scene_of(entry))
            if key in exclude:
                continue
            with Image.open(folder / entry["filepath"] / entry["filename"]) as image:
                pixels.append(np.asarray(image.convert("RGB"), dtype=np.uint8))
            captions.append([s["raw"] for s in entry["sentences"]])
            keys.append(key)
    unique = sorted(set(keys))
    index = {key: i for i, key in enumerate(unique)}
    scene_ids = np.array([index[k] for k in keys], dtype=np.int64)
    return TrainSet(np.stack(pixels), captions, scene_ids, unique, seeds, n_generated)


def overlap(train: set[SceneKey], evaluation: set[SceneKey]) -> int:
    """How many scenes the two sets share (must be 0)."""
    return len(train & evaluation)


def eval_keys(folder: Path) -> set[SceneKey]:
    """Scene keys of a generated shapes set."""
    return {scene_key(scene_of(entry)) for entry in read_entries(folder)}
