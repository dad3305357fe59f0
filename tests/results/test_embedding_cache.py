from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ResultsError
from embedlab.results.embedding_cache import cache_key, open_entry


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
