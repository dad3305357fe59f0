"""``load_image``: RGB images out, DataError naming the file otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.data.images import load_image
from embedlab.errors import DataError


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
def test_converts_to_rgb(tmp_path: Path, mode: str) -> None:
    path = tmp_path / f"img-{mode}.png"
    Image.new(mode, (5, 3)).save(path)
    image = load_image(path)
    assert image.mode == "RGB" and image.size == (5, 3)


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nope.jpg"
    with pytest.raises(DataError, match=r"nope\.jpg.*does not exist"):
        load_image(path)


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_unreadable_file_is_named(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(DataError, match=r"broken\.jpg.*cannot be read as an image"):
        load_image(path)


def test_truncated_png_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(path)
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(DataError, match=r"cut\.png"):
        load_image(path)


def test_directory_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=str(tmp_path)):
        load_image(tmp_path)


def test_draft_decodes_a_jpeg_at_reduced_scale_no_smaller_than_asked(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "big.jpg"
    Image.fromarray(rng.integers(0, 256, (400, 640, 3), dtype=np.uint8)).save(path)
    assert load_image(path).size == (640, 400)
    assert load_image(path, draft=(100, 100)).size == (160, 100)  # 1/4 scale: 400/4 = 100
    assert load_image(path, draft=(101, 101)).size == (320, 200)  # 1/2: 1/4 would go below
    png = tmp_path / "big.png"
    Image.open(path).save(png)
    assert load_image(png, draft=(100, 100)).size == (640, 400)  # only JPEG has draft scaling
