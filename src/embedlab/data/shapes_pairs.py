"""``shapes-pairs``: a Winoground-style set rendered from the synthetic ``shapes`` scenes, offline.

For every scene of a shapes set (``dataset_shapes.json``, from ``--data-dir`` or the default set
generated into the cache) two minimal pairs are made, each with two captions of the same words:

* ``colour-swap``: "a red circle left of a blue square" vs "a blue circle left of a red square"
  (skipped when both objects have the same colour);
* ``relation-swap``: "a red circle left of a blue square" vs "a blue square left of a red circle"
  (the two objects trade places).

Both images of a pair are drawn by the shapes drawing code with the same seeded generator
(``numpy.random.default_rng([seed, scene index, kind])``), so their geometry is identical and
only the swapped attribute differs. Pairs whose two captions repeat an earlier pair are skipped.
The images are written once into ``<cache-dir>/shapes-pairs/v<version>-<hash of the JSON>/``
(staged, then renamed into place).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from embedlab._atomic import make_staging_dir, publish_dir, write_json_atomic
from embedlab.data.pair_sets import PairExample, PairSet
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.shapes import JSON_NAME, default_shapes_dir
from embedlab.data.shapes_scene import COLORS, RELATIONS, SHAPES, Scene, draw
from embedlab.errors import DataError

NAME = "shapes-pairs"
TAGS = ("colour-swap", "relation-swap")
PAIRS_VERSION = 1
MANIFEST = "pairs.json"


def load_shapes_pairs(data_dir: Path | None, cache_dir: Path) -> PairSet:
    """Pairs from the shapes set in ``data_dir`` (default: the generated set in ``cache_dir``).

    Raises:
        DataError: ``dataset_shapes.json`` is missing or an entry has no valid ``scene``.
    """
    shapes_dir = data_dir if data_dir is not None else default_shapes_dir(cache_dir)
    path = shapes_dir / JSON_NAME
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise DataError(
            f"{NAME}: {str(path)!r} does not exist; write a shapes set with "
            "embedlab.data.shapes.generate_shapes, or omit --data-dir to use the default one"
        ) from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{NAME}: cannot read {str(path)!r} as JSON ({exc})") from None
    scenes = _scenes(data, path)
    generator = data.get("generator") or {}
    seed, size = int(generator.get("seed", 0)), int(generator.get("image_size", 64))
    folder = cache_dir / NAME / f"v{PAIRS_VERSION}-{hashlib.sha256(raw).hexdigest()[:12]}"
    examples = _examples(scenes, folder)
    files = [p for e in examples for p in e.image_paths]
    if not (folder / MANIFEST).is_file() or not all(p.is_file() for p in files):
        _render(scenes, folder, seed, size)
    return PairSet(
        name=NAME,
        split="test",
        source=str(path),
        examples=examples,
        meta={"shapes_seed": str(seed), "version": str(PAIRS_VERSION)},
    )


def swapped(scene: Scene, kind: str) -> Scene | None:
    """The second scene of a ``kind`` pair, or None when the swap changes nothing."""
    if kind == "colour-swap":
        (ca, sa), (cb, sb) = scene.a, scene.b
        return None if ca == cb else Scene((cb, sa), (ca, sb), scene.relation)
    return Scene(scene.b, scene.a, scene.relation)


def caption(scene: Scene) -> str:
    """The plain statement of a scene, e.g. ``"an orange circle left of a blue square"``."""
    a, b = (f"{c} {s}" for c, s in (scene.a, scene.b))
    return f"{_article(a)} {a} {scene.relation} {_article(b)} {b}"


def _examples(scenes: list[tuple[str, Scene]], folder: Path) -> list[PairExample]:
    examples: list[PairExample] = []
    seen: set[frozenset[str]] = set()
    for stem, scene in scenes:
        for kind in TAGS:
            other = swapped(scene, kind)
            if other is None:
                continue
            key = frozenset((caption(scene), caption(other)))
            if key in seen:
                continue
            seen.add(key)
            ids = (f"{stem}-{kind}-0", f"{stem}-{kind}-1")
            examples.append(
                PairExample(
                    item_id=f"{stem}/{kind}",
                    image_ids=ids,
                    image_paths=(folder / f"{ids[0]}.png", folder / f"{ids[1]}.png"),
                    captions=(caption(scene), caption(other)),
                    tag=kind,
                )
            )
    return examples


def _render(scenes: list[tuple[str, Scene]], folder: Path, seed: int, size: int) -> None:
    if folder.exists():  # left incomplete by an interrupted run
        shutil.rmtree(folder)
    staging = make_staging_dir(folder)
    try:
        for index, (stem, scene) in enumerate(scenes):
            for k, kind in enumerate(TAGS):
                other = swapped(scene, kind)
                if other is None:
                    continue
                for j, s in enumerate((scene, other)):
                    rng = np.random.default_rng([seed, index, k])
                    draw(s, rng, size).save(staging / f"{stem}-{kind}-{j}.png", format="PNG")
        write_json_atomic(staging / MANIFEST, {"version": PAIRS_VERSION, "n_scenes": len(scenes)})
        publish_dir(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _scenes(data: Any, path: Path) -> list[tuple[str, Scene]]:
    images = data.get("images") if isinstance(data, dict) else None
    if not isinstance(images, list) or not images:
        raise DataError(f"{NAME}: {str(path)!r} has no 'images' list")
    return [_scene(entry, i, path) for i, entry in enumerate(images)]


def _scene(entry: Any, index: int, path: Path) -> tuple[str, Scene]:
    where = f"{NAME}: {path.name} images[{index}]"
    try:
        stem = Path(str(entry["filename"])).stem
        objects = entry["scene"]["objects"]
        (ca, sa), (cb, sb) = ((o["color"], o["shape"]) for o in objects)
        relation = entry["scene"]["relation"]
    except (KeyError, TypeError, ValueError):
        raise DataError(
            f"{where} lacks a valid 'filename' or 'scene' ({{objects: [{{color, shape}} x 2], "
            "relation}); regenerate it with embedlab.data.shapes.generate_shapes"
        ) from None
    if {ca, cb} - set(COLORS) or {sa, sb} - set(SHAPES) or relation not in RELATIONS:
        raise DataError(f"{where} ({stem}): unknown colour, shape or relation in its scene")
    return stem, Scene((ca, sa), (cb, sb), relation)


def _article(phrase: str) -> str:
    return "an" if phrase[0] in "aeiou" else "a"


@register_dataset(NAME, "pairs", "colour- and relation-swap pairs of the shapes scenes (offline)")
def _load_registered(request: DatasetRequest) -> PairSet:
    return load_shapes_pairs(request.data_dir, request.cache_dir)
