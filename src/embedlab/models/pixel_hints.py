"""A model's pixel recipe known from its files before the model loads (a hint, verified later).

Reading a recipe from the loaded encoder (:func:`~embedlab.models.pixel_recipe.recipe_of_transform`)
is exact but needs the model's framework imported, which on a cold run takes seconds. For an
open_clip ``local-dir:`` folder the eval transform follows from ``open_clip_config.json`` alone,
as open_clip's ``image_transform`` builds it for evaluation: ``resize_mode`` ``shortest``
(default) with a square size ``S`` → resize the shorter edge to ``S`` then centre-crop
``S × S``; ``squash`` → resize to ``S × S``; then ``ToTensor`` and ``Normalize(mean, std)``
(defaults: OpenAI's CLIP mean/std, bicubic). Anything else gives None. The caller checks the
hint against the loaded encoder's recipe and discards work done with a wrong one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab.models.base import ModelSpec
from embedlab.models.pixel_recipe import PixelRecipe, Step

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
#: Pillow's resampling filters by open_clip's interpolation names.
RESAMPLE = {"bicubic": 3, "bilinear": 2, "nearest": 0, "lanczos": 1}
LOCAL_DIR = "local-dir:"


def early_pixel_recipe(spec: ModelSpec) -> PixelRecipe | None:
    """The recipe of ``spec`` if its files tell it without loading anything, else None."""
    if spec.source != "open_clip" or not spec.ref.startswith(LOCAL_DIR):
        return None
    config = Path(spec.ref[len(LOCAL_DIR) :].partition("?")[0]) / "open_clip_config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        return _open_clip_recipe(data["model_cfg"]["vision_cfg"], data.get("preprocess_cfg", {}))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # the loader will report a bad folder properly


def _open_clip_recipe(vision: dict[str, Any], pre: dict[str, Any]) -> PixelRecipe | None:
    size = pre.get("size", vision.get("image_size", 224))
    if isinstance(size, list | tuple):
        if len(size) != 2 or size[0] != size[1]:
            return None
        size = size[0]
    resample = RESAMPLE.get(str(pre.get("interpolation", "bicubic")))
    mode = pre.get("resize_mode", "shortest")
    if not isinstance(size, int) or resample is None:
        return None
    steps: tuple[Step, ...]
    if mode == "shortest":
        steps = (("resize", (size,), resample), ("crop", (size, size), 0))
    elif mode == "squash":
        steps = (("resize", (size, size), resample),)
    else:
        return None
    mean = tuple(float(v) for v in pre.get("mean", OPENAI_MEAN))
    std = tuple(float(v) for v in pre.get("std", OPENAI_STD))
    return PixelRecipe(steps, mean, std)
