import json
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ResultsError
from embedlab.results.embedding_cache import (
    ShardedEmbeddings,
    ShardFault,
    array_checksum,
    cache_key,
    open_entry,
)


def _parts(**over: str) -> dict[str, str]:
    parts = {"model": "fake:4", "precision": "fp32", "modality": "image", "items": "abc"}
    return {**parts, **over}


def test_key_changes_with_every_part() -> None:
    base = cache_key(_parts())
    for field in ("model", "precision", "modality", "items"):
        assert cache_key(_parts(**{field: "other"})) != base
    assert cache_key(_parts()) == base


def test_shards_round_trip_and_resume(tmp_path: Path) -> None:
    entry = open_entry(tmp_path, _parts(), n_items=10, shard_size=4)
    assert entry.n_shards == 3
    assert entry.missing_shards() == [0, 1, 2]
    data = np.arange(40, dtype=np.float32).reshape(10, 4)
    entry.write_shard(0, data[0:4])
    entry.write_shard(2, data[8:10])
    reopened = open_entry(tmp_path, _parts(), n_items=10, shard_size=4)
    assert reopened.missing_shards() == [1]
    reopened.write_shard(1, data[4:8])
    np.testing.assert_array_equal(reopened.read_all(), data)
    assert not list(entry.root.glob("*.tmp")), "no temporary files left behind"


def test_wrong_shard_length_refused(tmp_path: Path) -> None:
    entry = open_entry(tmp_path, _parts(), n_items=5, shard_size=4)
    with pytest.raises(ResultsError, match="needs 4 rows"):
        entry.write_shard(0, np.zeros((3, 2), dtype=np.float32))


def test_corrupt_shard_names_file(tmp_path: Path) -> None:
    entry = open_entry(tmp_path, _parts(), n_items=2, shard_size=4)
    entry.write_shard(0, np.zeros((2, 3), dtype=np.float32))
    (entry.root / "shard-000000.npy").write_bytes(b"garbage")
    with pytest.raises(ResultsError, match=r"shard-000000\.npy"):
        entry.read_all()


def test_pickled_object_arrays_are_never_loaded(tmp_path: Path) -> None:
    entry = open_entry(tmp_path, _parts(), n_items=1, shard_size=4)
    np.save(entry.root / "shard-000000.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ResultsError, match="unreadable"):
        entry.read_all()


# --- verification on read (issue #17 item 5) ---------------------------------------------

def _stored(tmp_path: Path) -> tuple[ShardedEmbeddings, np.ndarray]:
    entry = open_entry(tmp_path, _parts(), n_items=6, shard_size=4)
    data = np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(6, 4)
    entry.write_shard(0, data[:4])
    entry.write_shard(1, data[4:])
    return entry, data


def _fault(entry: ShardedEmbeddings, shard: int) -> ShardFault:
    loaded = entry.load_shard(shard)
    assert isinstance(loaded, ShardFault), "the damaged shard was accepted"
    assert loaded.path == entry.shard_path(shard)
    return loaded


def test_checksum_file_is_json_beside_each_shard(tmp_path: Path) -> None:
    entry, data = _stored(tmp_path)
    record = json.loads(entry.checksum_path(0).read_text())
    assert record == {"sha256": array_checksum(data[:4]), "shape": [4, 4], "dtype": "float32"}
    np.testing.assert_array_equal(entry.read_all(), data)


def test_empty_shard_is_a_fault(tmp_path: Path) -> None:
    entry, _ = _stored(tmp_path)
    entry.shard_path(0).write_bytes(b"")
    assert "empty (0 bytes)" in _fault(entry, 0).reason


def test_truncated_shard_is_a_fault(tmp_path: Path) -> None:
    entry, _ = _stored(tmp_path)
    raw = entry.shard_path(1).read_bytes()
    entry.shard_path(1).write_bytes(raw[:-5])
    assert "unreadable" in _fault(entry, 1).reason


def test_one_altered_value_fails_the_checksum(tmp_path: Path) -> None:
    entry, data = _stored(tmp_path)
    altered = data[:4].copy()
    altered[2, 1] += 0.25
    np.save(entry.shard_path(0), altered, allow_pickle=False)  # same shape, dtype, all finite
    assert "sha256" in _fault(entry, 0).reason
    with pytest.raises(ResultsError, match=r"shard-000000\.npy .*delete it"):
        entry.read_all()


def test_nan_in_a_shard_is_a_fault(tmp_path: Path) -> None:
    entry, data = _stored(tmp_path)
    bad = data[4:].copy()
    bad[0, 0] = np.nan
    entry.write_shard(1, bad)  # even with a matching checksum, NaN is never served
    assert "non-finite" in _fault(entry, 1).reason


def test_wrong_shape_or_dtype_is_a_fault(tmp_path: Path) -> None:
    entry, data = _stored(tmp_path)
    np.save(entry.shard_path(0), data[:4].astype(np.float64), allow_pickle=False)
    assert "float64" in _fault(entry, 0).reason
    np.save(entry.shard_path(1), np.zeros((2, 3), dtype=np.float32), allow_pickle=False)
    assert "checksum file records [2, 4]" in _fault(entry, 1).reason


def test_shard_without_checksum_is_unverified(tmp_path: Path) -> None:
    entry, _ = _stored(tmp_path)
    entry.checksum_path(0).unlink()
    fault = _fault(entry, 0)
    assert fault.unverified and "no checksum" in fault.reason
    entry.checksum_path(1).write_text("{not json")
    assert not _fault(entry, 1).unverified
