"""The synthetic BEIR generator: deterministic, graded, loadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedlab.data.beir import load_beir
from embedlab.data.beir_synthetic import (
    ASPECTS,
    default_beir_synthetic_dir,
    generate_beir_synthetic,
)
from embedlab.errors import ConfigError

FILES = ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv")


def _bytes(root: Path) -> list[bytes]:
    return [(root / name).read_bytes() for name in FILES]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate_beir_synthetic(tmp_path / "a", n_subjects=6, seed=3)
    b = generate_beir_synthetic(tmp_path / "b", n_subjects=6, seed=3)
    c = generate_beir_synthetic(tmp_path / "c", n_subjects=6, seed=4)
    assert _bytes(a) == _bytes(b)
    assert _bytes(a) != _bytes(c)


def test_structure_and_grades(tmp_path: Path) -> None:
    data = load_beir(generate_beir_synthetic(tmp_path / "s", n_subjects=5, n_unanswerable=2))
    n_aspects = len(ASPECTS)
    assert len(data.query_ids) == 5 * n_aspects + 2
    assert len(data.doc_ids) == (5 + 8) * n_aspects + 5  # topics, distractors, mentions
    for qid in data.query_ids[: 5 * n_aspects]:
        grades = sorted(data.qrels[qid].values())
        assert grades == [0] + [1] * (n_aspects - 1) + [2]
    for qid in data.query_ids[5 * n_aspects :]:
        assert set(data.qrels[qid].values()) == {0}
    assert any(t == "" for t in data.doc_titles) and any(data.doc_titles)


def test_default_set_is_generated_once(tmp_path: Path) -> None:
    first = default_beir_synthetic_dir(tmp_path)
    stamp = (first / "corpus.jsonl").stat().st_mtime_ns
    assert default_beir_synthetic_dir(tmp_path) == first
    assert (first / "corpus.jsonl").stat().st_mtime_ns == stamp


@pytest.mark.parametrize("kwargs", [{"n_subjects": 1}, {"seed": -1}, {"n_unanswerable": 99}])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError, match="beir-synthetic"):
        generate_beir_synthetic(tmp_path, **kwargs)
