"""BEIR folders: parsing, the title joiner, and errors that name file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embedlab.data.beir import load_beir, read_qrels
from embedlab.errors import DataError

CORPUS = [
    {"_id": "d1", "title": "Bees", "text": "Bees make honey."},
    {"_id": 2, "text": "  No title here. "},
    {"_id": "d3", "title": "", "text": ""},
]
QUERIES = [{"_id": "q1", "text": "who makes honey"}, {"_id": 7, "text": "titles"}]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t2\t0\n7\td3\t1\nq1\td1\t1\n"


def write_beir(
    root: Path,
    corpus: list[object] | None = None,
    queries: list[object] | None = None,
    qrels: str = QRELS,
    split: str = "test",
) -> Path:
    """Write a BEIR folder (corpus/queries as JSON lines, qrels verbatim)."""
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    for name, rows in (("corpus", corpus or CORPUS), ("queries", queries or QUERIES)):
        lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
        (root / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "qrels" / f"{split}.tsv").write_text(qrels, encoding="utf-8")
    return root


def test_loads_records_ids_and_graded_qrels(tmp_path: Path) -> None:
    data = load_beir(write_beir(tmp_path / "mini"), "test")
    assert data.name == "mini"
    assert data.doc_ids == ["d1", "2", "d3"]  # integer ids become strings
    assert data.query_ids == ["q1", "7"]
    assert data.qrels == {"q1": {"d1": 1, "2": 0}, "7": {"d3": 1}}  # a repeated pair: last wins
    assert data.documents == ["Bees Bees make honey.", "No title here.", ""]
    assert data.fingerprint.startswith("content:") and len(data.fingerprint) == 28


def test_fingerprint_changes_with_the_judgements(tmp_path: Path) -> None:
    a = load_beir(write_beir(tmp_path / "a"))
    b = load_beir(write_beir(tmp_path / "b", qrels=QRELS.replace("7\td3\t1", "7\td3\t2")))
    assert a.fingerprint != b.fingerprint


def test_missing_qrels_file_names_it_and_the_splits_found(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "x", split="dev")
    with pytest.raises(DataError, match=r"qrels/test\.tsv does not exist \(splits found: dev\)"):
        load_beir(root, "test")


def test_missing_corpus_names_the_file(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "x")
    (root / "corpus.jsonl").unlink()
    with pytest.raises(DataError, match=r"corpus\.jsonl does not exist"):
        load_beir(root)


@pytest.mark.parametrize(
    ("corpus", "queries", "message"),
    [
        ([*CORPUS[:1], "{not json"], None, r"corpus\.jsonl:2: not valid JSON"),
        ([*CORPUS[:1], ["a"]], None, r"corpus\.jsonl:2: expected a JSON object, got list"),
        ([{"title": "t", "text": "x"}], None, r"corpus\.jsonl:1: field '_id' is missing"),
        ([{"_id": "a", "title": "t"}], None, r"corpus\.jsonl:1: document 'a' has no text"),
        ([*CORPUS, {"_id": "d1", "text": "again"}], None, r"corpus\.jsonl:4: duplicate document"),
        (None, [QUERIES[0], {"_id": "q9"}], r"queries\.jsonl:2: query 'q9' has no text"),
        (None, [{"_id": "q9", "text": "  "}], r"queries\.jsonl:1: query 'q9' has no text"),
        ([{"_id": "a", "text": "x", "title": 3}], None, r"corpus\.jsonl:1: field 'title' of 'a'"),
    ],
)
def test_bad_lines_name_file_line_and_field(
    tmp_path: Path, corpus: list[object] | None, queries: list[object] | None, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        load_beir(write_beir(tmp_path / "x", corpus=corpus, queries=queries))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q1\td1\t1\n", r"test\.tsv:1: expected the header line"),
        ("query-id\tcorpus-id\tscore\nq1\td1\n", r"test\.tsv:2: expected 3 tab-separated"),
        ("query-id\tcorpus-id\tscore\n\nq1\td1\thigh\n", r"test\.tsv:3: field 'score' must be"),
    ],
)
def test_bad_qrels_lines(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "test.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_qrels(path)


def test_qrels_accept_whitespace_columns_and_negative_grades(tmp_path: Path) -> None:
    path = tmp_path / "test.tsv"
    path.write_text("query-id corpus-id score\nq1  d1  -1\nq1 d2 3\n", encoding="utf-8")
    assert read_qrels(path) == {"q1": {"d1": -1, "d2": 3}}


def test_non_utf8_file_is_a_data_error(tmp_path: Path) -> None:
    root = write_beir(tmp_path / "x")
    (root / "queries.jsonl").write_bytes(b'{"_id": "q", "text": "\xff"}\n')
    with pytest.raises(DataError, match=r"queries\.jsonl is not UTF-8"):
        load_beir(root)
