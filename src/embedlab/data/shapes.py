"""A deterministic synthetic image–text set: coloured shapes in spatial relations (``shapes``).

:func:`generate_shapes` writes Karpathy's layout: ``dataset_shapes.json`` plus PNG files under
``images/``. Each image has 4, 5 or 6 paraphrased captions (cycling, so every count occurs), the
plain statement first; each entry also stores its ``scene`` (colour and shape of both objects and
the relation) so that pair tasks can swap attributes. The same arguments always give
byte-identical files; image ids carry the seed and size, so differently generated sets never share
ids. The registered dataset reads ``--data-dir`` if given, else generates a default set once into
``<cache-dir>/shapes/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from embedlab._atomic import generated_once, write_error, write_json_atomic
from embedlab.data.karpathy import load_karpathy, stem_image_id
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.shapes_scene import captions, draw, max_scenes, sample_scenes
from embedlab.data.types import ImageTextDataset
from embedlab.errors import ConfigError

NAME = "shapes"
JSON_NAME = "dataset_shapes.json"
GENERATOR_VERSION = 1  # bump when the drawing or captions change, to invalidate cached sets
CAPTION_COUNTS = (4, 6, 5)
DEFAULT_N_IMAGES, DEFAULT_SEED, DEFAULT_IMAGE_SIZE = 200, 0, 64


def generate_shapes(
    out_dir: Path, n_images: int, seed: int, split: str = "test", image_size: int = 64
) -> Path:
    """Write a shapes dataset in Karpathy's layout and return ``out_dir``.

    Args:
        out_dir: target directory (created; existing files of the same names are overwritten).
        n_images: number of images, at most :func:`~embedlab.data.shapes_scene.max_scenes`.
        seed: seed of the ``numpy.random.Generator`` that decides everything.
        split: value of the ``split`` field of every image.
        image_size: width and height of the square PNG images, in pixels.

    Raises:
        ConfigError: an argument is out of range.
    """
    _check_args(n_images, seed, image_size)
    rng = np.random.default_rng(seed)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    next_sentid = 0
    for index, scene in enumerate(sample_scenes(rng, n_images)):
        texts = captions(scene, rng, CAPTION_COUNTS[index % len(CAPTION_COUNTS)])
        filename = f"s{seed}-{image_size}px-{index:05d}.png"
        target = out_dir / "images" / filename
        try:
            draw(scene, rng, image_size).save(target, format="PNG")
        except OSError as exc:  # full or read-only disk: one line naming the file
            raise write_error(target, exc) from exc
        sentids = list(range(next_sentid, next_sentid + len(texts)))
        next_sentid += len(texts)
        entries.append(
            {
                "filepath": "images",
                "filename": filename,
                "imgid": index,
                "split": split,
                "sentids": sentids,
                "sentences": [
                    {"raw": t, "tokens": t.split(), "imgid": index, "sentid": s}
                    for t, s in zip(texts, sentids, strict=True)
                ],
                "scene": scene.to_json(),
            }
        )
    generator = {
        "version": GENERATOR_VERSION,
        "seed": seed,
        "n_images": n_images,
        "image_size": image_size,
    }
    write_json_atomic(
        out_dir / JSON_NAME, {"dataset": NAME, "generator": generator, "images": entries}
    )
    return out_dir


@register_dataset(NAME, "image-text", "synthetic coloured shapes with captions (generated offline)")
def load_shapes(request: DatasetRequest) -> ImageTextDataset:
    """Load ``dataset_shapes.json`` from ``request.data_dir``, or the default generated set."""
    data_dir = request.data_dir or default_shapes_dir(request.cache_dir)
    return load_karpathy(
        data_dir / JSON_NAME,
        name=request.name,
        split=request.split,
        image_root=data_dir,
        image_id=stem_image_id,
        missing_hint="Write one with embedlab.data.shapes.generate_shapes, or omit --data-dir.",
        meta={"format": "karpathy", "generator": NAME},
    )


def default_shapes_dir(cache_dir: Path) -> Path:
    """The default set (200 test images, seed 0), generated once into ``cache_dir/shapes/``."""
    final = (
        cache_dir
        / NAME
        / (f"v{GENERATOR_VERSION}-seed{DEFAULT_SEED}-n{DEFAULT_N_IMAGES}-{DEFAULT_IMAGE_SIZE}px")
    )

    def generate(folder: Path) -> None:
        generate_shapes(folder, DEFAULT_N_IMAGES, DEFAULT_SEED, "test", DEFAULT_IMAGE_SIZE)

    return generated_once(final, JSON_NAME, generate)


def _check_args(n_images: int, seed: int, image_size: int) -> None:
    if not 1 <= n_images <= max_scenes():
        raise ConfigError(f"shapes: n_images must be between 1 and {max_scenes()}, got {n_images}")
    if seed < 0:
        raise ConfigError(f"shapes: seed must be a non-negative integer, got {seed}")
    if image_size < 16:
        raise ConfigError(f"shapes: image_size must be at least 16 pixels, got {image_size}")
