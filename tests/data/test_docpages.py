"""The synthetic document pages: deterministic bytes, graded qrels, the folder layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.data.docpages import (
    MAX_PAGES,
    ORGANISATIONS,
    PAGE_SIZE,
    TOPICS,
    default_docpages_dir,
    generate_docpages,
)
from embedlab.data.vidore import load_vidore_folder
from embedlab.errors import ConfigError


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = _files(generate_docpages(tmp_path / "a", n_pages=8, seed=5))
    b = _files(generate_docpages(tmp_path / "b", n_pages=8, seed=5))
    c = _files(generate_docpages(tmp_path / "c", n_pages=8, seed=6))
    assert a == b
    assert len(a) == 3 + 8  # corpus, queries, qrels and one PNG per page
    assert a.keys() == c.keys() and a != c
    assert a["images/page0000.png"] != c["images/page0000.png"]


def test_pages_queries_and_graded_qrels(tmp_path: Path) -> None:
    folder = generate_docpages(tmp_path / "d", n_pages=12, seed=0)
    data = load_vidore_folder(folder)
    assert data.n_docs == data.n_queries == 12 and data.name == "d"
    for path in data.doc_paths:
        with Image.open(path) as image:
            assert image.size == PAGE_SIZE and image.format == "PNG"
    answered = []
    for qid, text in zip(data.query_ids, data.queries, strict=True):
        grades = sorted(data.qrels[qid].values())
        assert grades == [1, 2], (qid, grades)  # 12 pages = 2 per topic: 1 answer, 1 related
        answer = next(d for d, g in data.qrels[qid].items() if g == 2)
        related = next(d for d, g in data.qrels[qid].items() if g == 1)
        answered.append(answer)
        assert any(org in text for org in ORGANISATIONS) and text.endswith("?")
        assert related != answer
    assert sorted(answered) == sorted(data.doc_ids)  # every page answers exactly one query
    topics = {topic for topic, *_ in TOPICS}
    assert {next(t for t in topics if t in q) for q in data.queries} == topics
    rows = [json.loads(line) for line in (folder / "queries.jsonl").read_text().splitlines()]
    assert all(row["answer"] for row in rows)


def test_highest_and_lowest_answers_are_table_entries(tmp_path: Path) -> None:
    folder = generate_docpages(tmp_path / "e", n_pages=40, seed=1)
    rows = [json.loads(line) for line in (folder / "queries.jsonl").read_text().splitlines()]
    entities = {name for *_, names in TOPICS for name in names}
    extremes = [r for r in rows if " the highest " in r["text"] or " the lowest " in r["text"]]
    assert extremes and all(r["answer"] in entities for r in extremes)


def test_default_set_is_generated_once(tmp_path: Path) -> None:
    first = default_docpages_dir(tmp_path)
    stamp = (first / "qrels" / "test.tsv").stat().st_mtime_ns
    assert default_docpages_dir(tmp_path) == first
    assert (first / "qrels" / "test.tsv").stat().st_mtime_ns == stamp


@pytest.mark.parametrize("kwargs", [{"n_pages": 1}, {"n_pages": MAX_PAGES + 1}, {"seed": -1}])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError, match="docpages: need 2 <= n_pages"):
        generate_docpages(tmp_path, **kwargs)


def test_generate_command(tmp_path: Path) -> None:
    args = ["generate", "docpages", "--out", str(tmp_path / "g"), "--size", "6", "--seed", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _files(tmp_path / "g") == _files(generate_docpages(tmp_path / "h", 6, seed=2))
    result = CliRunner().invoke(app, [*args[:4], "--size", "1"])  # main() maps it to exit 2
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception) == "--size must be at least 2 for docpages (got 1)"


def test_registered_dataset_generates_the_default_set_or_reads_a_folder(tmp_path: Path) -> None:
    from embedlab.data.doc_retrieval import DocRetrievalDataset
    from embedlab.data.registry import DatasetRequest, load_dataset

    default = load_dataset(DatasetRequest("docpages", None, tmp_path), DocRetrievalDataset)
    assert default.source == str(default_docpages_dir(tmp_path)) and default.n_docs == 24
    folder = generate_docpages(tmp_path / "small", n_pages=4, seed=3)
    small = load_dataset(DatasetRequest("docpages", folder, tmp_path), DocRetrievalDataset)
    assert small.name == "docpages" and small.n_docs == 4 and small.n_queries == 4
