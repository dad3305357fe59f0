"""The embedding provider verifies cached shards and recomputes the bad ones (issue #17 item 5)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from embedlab.config.run import RunConfig
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import CacheWarning, ModelError, ResultsError
from embedlab.models.registry import parse_model
from embedlab.results.io import read_results
from embedlab.verbs.run import run

TEXTS = [f"caption number {i}" for i in range(10)]
IDS = [f"t{i}" for i in range(10)]


def _provider(cache: Path) -> EmbeddingProvider:
    return EmbeddingProvider(parse_model("fake:8", batch_size=4), cache)


def _shard(cache: Path) -> Path:
    (path,) = cache.glob("embeddings/*/shard-000000.npy")
    return path


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def _alter_one_value(path: Path) -> None:
    array = np.load(path)
    array[3, 2] = np.float32(array[3, 2] + 0.5)
    np.save(path, array, allow_pickle=False)


def _nan(path: Path) -> None:
    array = np.load(path)
    array[0, 0] = np.nan
    np.save(path, array, allow_pickle=False)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "zero-bytes": _zero_bytes,
    "truncated": _truncate,
    "altered-value": _alter_one_value,
    "nan": _nan,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_shard_is_recomputed_with_a_warning(tmp_path: Path, damage: str) -> None:
    clean = _provider(tmp_path).texts("demo", IDS, TEXTS)
    path = _shard(tmp_path)
    DAMAGE[damage](path)
    provider = _provider(tmp_path)
    with pytest.warns(CacheWarning, match=rf"embedding cache file {path}.*recomputing it"):
        again = provider.texts("demo", IDS, TEXTS)
    np.testing.assert_array_equal(again, clean)
    assert provider.timings[-1].n_computed == len(IDS)
    np.testing.assert_array_equal(np.load(path), clean)  # repaired on disk
    assert isinstance(_provider(tmp_path).texts("demo", IDS, TEXTS), np.ndarray)


def test_shards_without_checksums_are_recomputed_once_with_one_warning(tmp_path: Path) -> None:
    clean = _provider(tmp_path).texts("demo", IDS, TEXTS)
    (sidecar,) = tmp_path.glob("embeddings/*/shard-000000.json")
    sidecar.unlink()  # what a cache written before checksums looks like
    with pytest.warns(CacheWarning, match=r"1 embedding cache file\(s\) in .* have no checksum"):
        np.testing.assert_array_equal(_provider(tmp_path).texts("demo", IDS, TEXTS), clean)
    assert json.loads(sidecar.read_text())["shape"] == [10, 8]
    provider = _provider(tmp_path)  # now verified: served silently, the model never loaded
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        np.testing.assert_array_equal(provider.texts("demo", IDS, TEXTS), clean)
    assert provider._encoder is None and provider.timings[-1].n_computed == 0


def test_unrecomputable_shard_names_the_file_to_delete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _provider(tmp_path).texts("demo", IDS, TEXTS)
    path = _shard(tmp_path)
    _alter_one_value(path)

    def broken(*args: object, **kwargs: object) -> None:
        raise ModelError("model fake:8 cannot be loaded")

    monkeypatch.setattr("embedlab.embedding.provider.load_encoder", broken)
    with (
        pytest.warns(CacheWarning),
        pytest.raises(ResultsError, match=rf"{path} .*cannot be recomputed.*delete {path}"),
    ):
        _provider(tmp_path).texts("demo", IDS, TEXTS)


def test_run_with_a_corrupted_cache_gives_the_clean_metrics(
    tmp_path: Path, shapes_dir: Path
) -> None:
    def config(out: str) -> RunConfig:
        return RunConfig(
            models=["fake:16"], tasks=["shapes"], out=tmp_path / out, data_dir=shapes_dir,
            cache_dir=tmp_path / "cache", progress=False, bootstrap=50, batch_size=8,
        )

    clean = run(config("clean"))
    for path in (tmp_path / "cache").glob("embeddings/*/shard-000000.npy"):
        _alter_one_value(path)
    with pytest.warns(CacheWarning, match=r"does not match its sha256"):
        again = run(config("again"))
    assert again.metrics == clean.metrics
    assert read_results(tmp_path / "again").metrics == clean.metrics


def test_the_fill_that_loads_the_model_records_the_load_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import embedlab.embedding.provider as provider_module

    real_load = provider_module.load_encoder

    def slow_load(*args: object, **kwargs: object) -> object:
        time.sleep(0.2)
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(provider_module, "load_encoder", slow_load)
    provider = _provider(tmp_path)
    provider.texts("demo", IDS, TEXTS)
    provider.texts("other", IDS, [t + "!" for t in TEXTS])
    first, second = provider.timings[-2:]
    assert 0.2 <= first.load_seconds <= first.seconds
    assert second.load_seconds == 0.0 and second.n_computed == len(IDS)
