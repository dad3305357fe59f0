"""PixelRecipe: bit-identical to the torchvision/open_clip eval transforms it reads; hints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.data.images import load_image
from embedlab.models.base import ModelSpec
from embedlab.models.pixel_hints import early_pixel_recipe
from embedlab.models.pixel_recipe import PixelRecipe, recipe_of_transform, resized_size

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def _images(tmp_path: Path) -> list[Image.Image]:
    """Decoded like the engine decodes: JPEG RGB/L/CMYK, PNG RGBA/P, sizes odd, tiny, tall."""
    rng = np.random.default_rng(0)
    files = []
    for i, (mode, size, ext) in enumerate(
        [("RGB", (97, 61), "jpg"), ("L", (40, 130), "jpg"), ("CMYK", (64, 64), "jpg"),
         ("RGBA", (33, 50), "png"), ("P", (120, 45), "png"), ("RGB", (7, 5), "png")]
    ):  # fmt: skip
        channels = len(Image.new(mode, (1, 1)).getbands())
        pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
        image = Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels)
        image = image.convert(mode) if image.mode != mode else image
        path = tmp_path / f"{i}.{ext}"
        image.save(path)
        files.append(path)
    return [load_image(p) for p in files]


@pytest.mark.parametrize("resize_mode", ["shortest", "squash"])
def test_open_clip_transform_recipe_is_bit_identical(tmp_path: Path, resize_mode: str) -> None:
    from open_clip.transform import image_transform

    transform = image_transform(32, is_train=False, resize_mode=resize_mode)
    recipe = recipe_of_transform(transform)
    assert recipe is not None
    for image in _images(tmp_path):
        expected = transform(image).numpy()
        got = recipe.apply(image)
        assert got.dtype == np.float32 and got.shape == expected.shape == (3, 32, 32)
        assert np.array_equal(got, expected), image.size


def test_crop_larger_than_image_pads_like_torchvision() -> None:
    from torchvision import transforms as tv

    transform = tv.Compose([tv.CenterCrop((9, 12)), tv.ToTensor()])
    recipe = recipe_of_transform(transform)
    assert recipe == PixelRecipe((("crop", (9, 12), 0),), None, None)
    image = Image.fromarray(np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3))
    assert np.array_equal(recipe.apply(image), transform(image).numpy())


def test_unsupported_steps_give_none() -> None:
    from torchvision import transforms as tv

    assert recipe_of_transform(tv.Compose([tv.RandomCrop(8), tv.ToTensor()])) is None
    assert recipe_of_transform(tv.Compose([tv.Resize(8)])) is None  # never a tensor
    assert recipe_of_transform(tv.Compose([tv.ToTensor(), tv.Resize(8)])) is None
    assert recipe_of_transform(lambda image: image) is None


def test_resized_size_is_torchvisions_rule() -> None:
    # shorter edge to 224, longer int(224 * long / short): 640x427 -> 335x224
    assert resized_size(640, 427, (224,)) == (335, 224)
    assert resized_size(427, 640, (224,)) == (224, 335)
    assert resized_size(640, 427, (10, 20)) == (20, 10)


def test_draft_size_is_what_the_first_resize_needs() -> None:
    square = PixelRecipe((("resize", (224,), 3), ("crop", (224, 224), 0)), MEAN, STD)
    assert square.draft_size() == (224, 224)
    assert PixelRecipe((("resize", (20, 30), 3),), None, None).draft_size() == (30, 20)
    assert PixelRecipe((("crop", (9, 9), 0),), None, None).draft_size() is None


def test_early_hint_equals_the_loaded_encoders_recipe(tiny_open_clip_dir: Path) -> None:
    from embedlab.models.registry import get_source, parse_model

    spec = parse_model(f"open_clip:local-dir:{tiny_open_clip_dir}")
    hint = early_pixel_recipe(spec)
    encoder = get_source(spec).load(spec)
    assert hint is not None and hint == encoder.pixel_recipe()  # type: ignore[attr-defined]


def test_early_hint_none_when_files_do_not_tell(tmp_path: Path) -> None:
    assert early_pixel_recipe(ModelSpec("open_clip", "ViT-B-32/openai")) is None
    assert early_pixel_recipe(ModelSpec("hf", "openai/clip-vit-base-patch32")) is None
    folder = tmp_path / "m"
    folder.mkdir()
    config = {"model_cfg": {"vision_cfg": {"image_size": 32}},
              "preprocess_cfg": {"resize_mode": "longest"}}  # fmt: skip
    (folder / "open_clip_config.json").write_text(json.dumps(config))
    assert early_pixel_recipe(ModelSpec("open_clip", f"local-dir:{folder}")) is None
    assert early_pixel_recipe(ModelSpec("open_clip", f"local-dir:{tmp_path / 'none'}")) is None
