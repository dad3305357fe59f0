"""DecodePool: worker processes give exactly the in-process pixels, in order, and never leak."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.data.images import load_image
from embedlab.embedding.decode_pool import DecodePool, start_method
from embedlab.errors import DataError
from embedlab.models.pixel_recipe import PixelRecipe

RECIPE = PixelRecipe(
    (("resize", (24,), 3), ("crop", (24, 24), 0)),
    (0.48145466, 0.4578275, 0.40821073),
    (0.26862954, 0.26130258, 0.27577711),
)


def _files(folder: Path, n: int) -> list[Path]:
    """JPEG RGB / grayscale / CMYK and PNG RGBA of different sizes, in a fixed order."""
    rng = np.random.default_rng(1)
    kinds = [("RGB", "jpg"), ("L", "jpg"), ("CMYK", "jpg"), ("RGBA", "png")]
    paths = []
    for i in range(n):
        mode, ext = kinds[i % len(kinds)]
        w, h = int(rng.integers(20, 90)), int(rng.integers(20, 90))
        rgb = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        path = folder / f"{i:03d}.{ext}"
        rgb.convert(mode).save(path)
        paths.append(path)
    return paths


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_pool_output_is_bit_identical_and_ordered(tmp_path: Path) -> None:
    paths = _files(tmp_path, 37)
    batches = [paths[i : i + 10] for i in range(0, len(paths), 10)]  # 10, 10, 10, 7
    with DecodePool(2, RECIPE, prefetch=1) as pool:
        pool.submit(batches)
        got = list(pool.batches(len(batches)))
    for batch, pixels in zip(batches, got, strict=True):
        expected = np.stack([RECIPE.apply(load_image(p)) for p in batch])
        assert pixels.dtype == np.float32 and pixels.shape == (len(batch), 3, 24, 24)
        assert np.array_equal(pixels, expected)


def test_corrupt_image_is_one_line_naming_it_and_workers_exit(tmp_path: Path) -> None:
    paths = _files(tmp_path, 12)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    paths[7] = bad
    with pytest.raises(DataError) as caught, DecodePool(2, RECIPE) as pool:
        pool.submit([paths[:6], paths[6:]])
        pids = pool.pids()
        assert len(list(pool.batches(1))) == 1  # the first batch is fine
        list(pool.batches(1))
    message = str(caught.value)
    assert "broken.jpg" in message and "\n" not in message
    assert caught.value.__cause__ is None  # no remote traceback chained for the CLI
    assert pids and not any(_alive(pid) for pid in pids)


def test_dead_worker_is_a_data_error_naming_the_files(tmp_path: Path) -> None:
    paths = _files(tmp_path, 4)
    with (
        pytest.raises(DataError, match=r"worker process died.*000\.jpg"),
        DecodePool(1, RECIPE) as pool,
    ):
        pool.submit([paths])
        for pid in pool.pids():
            os.kill(pid, 9)
        list(pool.batches(1))


def test_fast_decode_changes_pixels_of_large_jpegs_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    big = tmp_path / "big.jpg"
    Image.fromarray(rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)).save(big)
    with DecodePool(1, RECIPE, fast=True) as pool:
        pool.submit([[big]])
        fast = next(pool.batches(1))[0]
    exact = RECIPE.apply(load_image(big))
    assert fast.shape == exact.shape and not np.array_equal(fast, exact)
    assert np.array_equal(fast, RECIPE.apply(load_image(big, draft=(24, 24))))


def test_never_forks_a_threaded_parent() -> None:
    assert start_method() in ("forkserver", "spawn")


def test_an_unguarded_script_is_not_rerun_in_the_workers(tmp_path: Path) -> None:
    import subprocess
    import sys

    paths = _files(tmp_path, 2)
    script = tmp_path / "script.py"
    script.write_text(
        "from pathlib import Path\n"
        "from embedlab.embedding.decode_pool import DecodePool\n"
        "from tests.embedding.test_decode_pool import RECIPE\n"
        "print('top level ran')\n"  # no __main__ guard, on purpose
        f"paths = [Path(p) for p in {[str(p) for p in paths]!r}]\n"
        "with DecodePool(2, RECIPE) as pool:\n"
        "    pool.submit([paths])\n"
        "    print(next(pool.batches(1)).shape)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("top level ran") == 1 and "(2, 3, 24, 24)" in done.stdout
