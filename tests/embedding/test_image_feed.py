"""Images through the decode workers: the same embeddings as in-process, keyed by decode mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import embedlab.embedding.batches as batches_module
import embedlab.embedding.provider as provider_module
from embedlab.data.images import load_image
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.models.pixel_recipe import PixelRecipe
from embedlab.models.registry import get_source, parse_model


def _files(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(3)
    paths = []
    for i in range(n):
        w, h = int(rng.integers(30, 120)), int(rng.integers(30, 120))
        image = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        path = folder / f"{i:02d}.jpg"
        (image.convert("L") if i % 3 == 0 else image).save(path)
        paths.append(path)
    return paths


def _no_threads(*args: Any) -> Any:
    raise AssertionError("images went through the thread path")


@pytest.mark.parametrize("hint", ["right", "wrong", "none"])
def test_worker_embeddings_equal_in_process_ones(
    tiny_open_clip_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hint: str
) -> None:
    spec = parse_model(f"open_clip:local-dir:{tiny_open_clip_dir}", batch_size=4)
    paths = _files(tmp_path, 11)
    ids = [p.stem for p in paths]
    if hint == "wrong":  # a hint that disagrees with the loaded transform: work redone
        wrong = PixelRecipe((("resize", (8, 8), 2),), None, None)
        monkeypatch.setattr(provider_module, "early_pixel_recipe", lambda spec: wrong)
    elif hint == "none":
        monkeypatch.setattr(provider_module, "early_pixel_recipe", lambda spec: None)
    monkeypatch.setattr(batches_module, "prefetched", _no_threads)  # the dense fill's thread path
    got = EmbeddingProvider(spec, tmp_path / "cache").images("d", ids, paths)
    encoder = get_source(spec).load(spec)
    expected = np.concatenate(
        [encoder.encode_images([load_image(p) for p in paths[i : i + 4]]) for i in range(0, 11, 4)]
    )
    assert np.array_equal(got, expected)


def test_fast_decode_is_its_own_cache_entry(tiny_open_clip_dir: Path, tmp_path: Path) -> None:
    spec = parse_model(f"open_clip:local-dir:{tiny_open_clip_dir}", batch_size=4)
    paths = _files(tmp_path, 3)
    exact = EmbeddingProvider(spec, tmp_path / "cache")
    fast = EmbeddingProvider(spec, tmp_path / "cache", fast_decode=True)
    args = ("image", "document", "d", "items", None)
    assert "decode" not in exact._entry_parts(*args)  # exact keys as before
    assert fast._entry_parts(*args) == {**exact._entry_parts(*args), "decode": "fast"}
    text_args = ("text", "query", "d", "items", None)
    assert fast._entry_parts(*text_args) == exact._entry_parts(*text_args)
    exact.images("d", [p.stem for p in paths], paths)
    fast.images("d", [p.stem for p in paths], paths)
    assert len(list((tmp_path / "cache").glob("embeddings/*/shard-000000.npy"))) == 2
    assert fast.timings[0].n_computed == 3  # not served from the exact entry
