"""The ragged multi-vector cache: round trip, resume, verification, keys apart from dense."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import CacheWarning, ResultsError
from embedlab.results.embedding_cache import ShardFault, locate_entry, verified_shards
from embedlab.results.multivector_cache import (
    RaggedEmbeddings,
    concatenate,
    locate_ragged,
    open_ragged,
)

PARTS = {"model": "hf:/m", "modality": "image", "role": "document", "items": "abc"}
COUNTS = [3, 1, 4, 1, 5, 9, 2]  # tokens per item


def _items(dim: int = 4, seed: int = 0) -> MultiVectors:
    rng = np.random.default_rng(seed)
    return MultiVectors.from_items([rng.normal(size=(n, dim)) for n in COUNTS])


def _filled(tmp_path: Path, shard_size: int = 3) -> tuple[RaggedEmbeddings, MultiVectors]:
    items = _items()
    entry = open_ragged(tmp_path, PARTS, len(COUNTS), shard_size)
    for shard in range(entry.n_shards):
        lo, hi = entry.shard_range(shard)
        entry.write_shard(shard, items.slice(lo, hi))
    return entry, items


def _same(a: MultiVectors, b: MultiVectors) -> None:
    np.testing.assert_array_equal(a.tokens, b.tokens)
    np.testing.assert_array_equal(a.offsets, b.offsets)


def test_round_trip_keeps_every_item_and_its_token_count(tmp_path: Path) -> None:
    entry, items = _filled(tmp_path)
    assert entry.n_shards == 3  # 7 items in shards of 3, 3, 1
    back = entry.read_all()
    _same(back, items)
    assert back.counts.tolist() == COUNTS
    shard1 = entry.load_shard(1)
    assert isinstance(shard1, MultiVectors)
    assert shard1.counts.tolist() == COUNTS[3:6]  # offsets are per shard, rebased to 0
    assert json.loads((entry.root / "meta.json").read_text())["form"] == "multivector"
    assert not list(entry.root.glob("*.tmp*"))


def test_key_never_meets_a_dense_entry_of_the_same_parts(tmp_path: Path) -> None:
    ragged = locate_ragged(tmp_path, PARTS, 7, 3)
    dense = locate_entry(tmp_path, PARTS, 7, 3)
    assert ragged.root != dense.root
    assert locate_ragged(tmp_path, {**PARTS, "items": "abd"}, 7, 3).root != ragged.root
    assert locate_ragged(tmp_path, PARTS, 7, 3).root == ragged.root


def test_resume_recomputes_only_missing_shards(tmp_path: Path) -> None:
    entry, items = _filled(tmp_path)
    entry.tokens_path(1).unlink()
    stored, todo, faults = verified_shards(entry)
    assert todo == [1] and faults == [] and sorted(stored) == [0, 2]
    _same(concatenate([stored[0], items.slice(3, 6), stored[2]], entry.root), items)


def _flip_token(entry: RaggedEmbeddings) -> None:
    path = entry.tokens_path(0)
    tokens = np.load(path)
    tokens[1, 2] += 0.25
    np.save(path, tokens, allow_pickle=False)


def _shift_offsets(entry: RaggedEmbeddings) -> None:  # consistent but different split
    np.save(entry.offsets_path(0), np.array([0, 2, 4, 8], np.int64), allow_pickle=False)


def _nan(entry: RaggedEmbeddings) -> None:
    path = entry.tokens_path(0)
    tokens = np.load(path)
    tokens[0, 0] = np.nan
    np.save(path, tokens, allow_pickle=False)


def _truncate(entry: RaggedEmbeddings) -> None:
    path = entry.tokens_path(0)
    path.write_bytes(path.read_bytes()[:-9])


def _bad_offsets(entry: RaggedEmbeddings) -> None:  # an empty item; checksum rewritten to match
    offsets = np.array([0, 0, 4, 8], np.int64)
    np.save(entry.offsets_path(0), offsets, allow_pickle=False)
    check = json.loads(entry.checksum_path(0).read_text())
    from embedlab.results.embedding_cache import array_checksum

    check["offsets"]["sha256"] = array_checksum(offsets)
    entry.checksum_path(0).write_text(json.dumps(check))


def _no_offsets(entry: RaggedEmbeddings) -> None:
    entry.offsets_path(0).unlink()


DAMAGE = {
    "altered-token": (_flip_token, "tokens values were changed"),
    "altered-offsets": (_shift_offsets, "offsets values were changed"),
    "nan": (_nan, "non-finite"),
    "truncated": (_truncate, "unreadable"),
    "empty-item": (_bad_offsets, "has no tokens"),
    "offsets-missing": (_no_offsets, "offsets file that is missing"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_shard_is_a_fault_with_one_warning(tmp_path: Path, damage: str) -> None:
    entry, _ = _filled(tmp_path)
    harm, reason = DAMAGE[damage]
    harm(entry)
    fault = entry.load_shard(0)
    assert isinstance(fault, ShardFault) and reason in fault.reason
    assert fault.path == entry.tokens_path(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stored, todo, faults = verified_shards(entry)
    assert todo == [0] and sorted(stored) == [1, 2] and len(faults) == 1
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == 1 and "shard-000000.tokens.npy" in messages[0]
    assert "\n" not in messages[0]
    with pytest.raises(ResultsError, match="delete it to recompute"):
        entry.read_all()


def test_shard_without_checksum_is_unverified(tmp_path: Path) -> None:
    entry, _ = _filled(tmp_path)
    entry.checksum_path(2).unlink()
    fault = entry.load_shard(2)
    assert isinstance(fault, ShardFault) and fault.unverified


def test_pickled_arrays_are_never_loaded(tmp_path: Path) -> None:
    entry, _ = _filled(tmp_path)
    np.save(entry.tokens_path(0), np.array([{"x": 1}], dtype=object), allow_pickle=True)
    fault = entry.load_shard(0)
    assert isinstance(fault, ShardFault) and "unreadable" in fault.reason


def test_wrong_item_count_refused_on_write(tmp_path: Path) -> None:
    entry = open_ragged(tmp_path, PARTS, 7, 3)
    with pytest.raises(ResultsError, match="needs 3 items"):
        entry.write_shard(0, _items().slice(0, 2))


def test_shards_of_different_widths_name_the_folder(tmp_path: Path) -> None:
    a, b = _items(dim=4).slice(0, 3), _items(dim=5).slice(3, 7)
    with pytest.raises(ResultsError, match="different widths"):
        concatenate([a, b], tmp_path)
    empty = concatenate([], tmp_path)
    assert empty.n_items == 0
