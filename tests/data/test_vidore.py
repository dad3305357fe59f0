"""ViDoRe-style data: the local folder layout and the two Hub formats (offline, local datasets).

The Hub path runs the real loading code (``datasets`` streaming through
:mod:`embedlab.data.hub_source`) on folders ``load_dataset`` reads like Hub repositories: parquet
files written with ``datasets``, and for the BEIR style a README declaring the three subsets.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from embedlab.data import hub_source
from embedlab.data.registry import DatasetRequest
from embedlab.data.vidore import load_vidore, load_vidore_folder, write_vidore_folder
from embedlab.data.vidore_hub import load_vidore_hub
from embedlab.errors import ConfigError, DataError

datasets = pytest.importorskip("datasets")


def png(colour: tuple[int, int, int], size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_folder(root: Path) -> Path:
    """Three pages, two queries, graded judgements (one on a page that does not exist)."""
    for i in range(3):
        (root / "pages").mkdir(parents=True, exist_ok=True)
        (root / "pages" / f"{i}.png").write_bytes(png((60 * i, 0, 0)))
    corpus = [("d0", "pages/0.png"), ("d1", "pages/1.png"), ("d2", "pages/2.png")]
    queries = [("q0", "which region had the highest sales?"), ("q1", "total rainfall")]
    qrels = [("q0", "d1", 2), ("q0", "d2", 1), ("q1", "d0", 2), ("q1", "d9", 1)]
    write_vidore_folder(root, corpus, queries, qrels)
    return root


def test_folder_round_trip(tmp_path: Path) -> None:
    data = load_vidore_folder(make_folder(tmp_path / "pages-set"))
    assert data.name == "pages-set" and data.split == "test" and data.meta["format"] == "folder"
    assert data.doc_ids == ["d0", "d1", "d2"]
    assert data.doc_paths == [tmp_path / "pages-set" / "pages" / f"{i}.png" for i in range(3)]
    assert data.query_ids == ["q0", "q1"] and data.queries[1] == "total rainfall"
    assert data.qrels == {"q0": {"d1": 2, "d2": 1}, "q1": {"d0": 2, "d9": 1}}
    again = load_vidore_folder(tmp_path / "pages-set")
    assert again.fingerprint == data.fingerprint
    (tmp_path / "pages-set" / "pages" / "2.png").write_bytes(png((1, 2, 3)))
    assert load_vidore_folder(tmp_path / "pages-set").fingerprint != data.fingerprint


def test_integer_ids_and_extra_fields(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "f")
    lines = [json.dumps({"_id": 7, "image": "pages/0.png", "title": "x"})]
    (root / "corpus.jsonl").write_text("\n".join(lines) + "\n\n")
    (root / "queries.jsonl").write_text(json.dumps({"_id": 3, "text": "t", "answer": "a"}))
    data = load_vidore_folder(root)
    assert data.doc_ids == ["7"] and data.query_ids == ["3"]


def _break(root: Path, file: str, line: dict[str, Any] | str) -> None:
    text = line if isinstance(line, str) else json.dumps(line)
    (root / file).write_text(json.dumps({"_id": "ok", "image": "pages/0.png", "text": "t"}) + "\n")
    with (root / file).open("a") as handle:
        handle.write(text + "\n")


@pytest.mark.parametrize(
    ("file", "line", "message"),
    [
        (
            "corpus.jsonl",
            {"_id": "d1"},
            "corpus.jsonl:2: field 'image' of document 'd1' is missing",
        ),
        ("corpus.jsonl", {"image": "pages/1.png"}, "corpus.jsonl:2: field '_id' is missing"),
        ("corpus.jsonl", {"_id": "d1", "image": "pages/8.png"}, "of document 'd1' names "),
        ("corpus.jsonl", {"_id": "d1", "image": "../x.png"}, "must be a path relative to"),
        ("corpus.jsonl", {"_id": "d1", "image": "/etc/x.png"}, "must be a path relative to"),
        ("corpus.jsonl", {"_id": "ok", "image": "pages/1.png"}, "duplicate document _id 'ok'"),
        ("corpus.jsonl", "{not json", "corpus.jsonl:2: not valid JSON"),
        ("queries.jsonl", {"_id": "q1", "text": " "}, "queries.jsonl:2: field 'text' of query"),
    ],
)
def test_format_errors_name_file_line_and_field(
    tmp_path: Path, file: str, line: dict[str, Any] | str, message: str
) -> None:
    root = make_folder(tmp_path / "f")
    _break(root, file, line)
    with pytest.raises(DataError) as info:
        load_vidore_folder(root)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(root / file) in str(info.value)


def test_missing_files(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "f")
    with pytest.raises(DataError, match=r"qrels/dev.tsv does not exist \(splits found: test\)"):
        load_vidore_folder(root, split="dev")
    (root / "qrels" / "test.tsv").write_text("q\td\t1\n")
    with pytest.raises(DataError, match=r"test.tsv:1: expected the header line"):
        load_vidore_folder(root)
    (root / "queries.jsonl").unlink()
    with pytest.raises(DataError, match=r"queries.jsonl does not exist; a document-retrieval"):
        load_vidore_folder(root)


def test_request_needs_a_folder_or_a_hub_id(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"needs --data-dir .* or --hub-id"):
        load_vidore(DatasetRequest("vidore", None, tmp_path))
    folder = make_folder(tmp_path / "f")
    assert load_vidore(DatasetRequest("vidore", folder, tmp_path)).n_docs == 3


# --- the Hub formats -----------------------------------------------------------------------

IMAGE = {"bytes": None, "path": None}


def _parquet(columns: dict[str, list[Any]], path: Path, features: Any = None) -> None:
    datasets.Dataset.from_dict(columns, features=features).to_parquet(str(path))


def beir_hub(root: Path, corpus_image: bool = True) -> Path:
    """A BEIR-style dataset folder: subsets corpus, queries, qrels declared in README.md."""
    image = datasets.Image() if corpus_image else datasets.Value("string")
    features = datasets.Features({"corpus-id": datasets.Value("int64"), "image": image})
    pages = [{"bytes": png((255, 0, 0)), "path": "a.png"}, {"bytes": png((0, 9, 0)), "path": None}]
    cells = pages if corpus_image else ["a", "b"]
    _parquet({"corpus-id": [10, 11], "image": cells}, root / "corpus" / "test.parquet", features)
    queries = {"query-id": [1, 2], "query": ["red page?", "green page?"]}
    _parquet(queries, root / "queries" / "test.parquet")
    qrels = {"query-id": [1, 2, 2], "corpus-id": [10, 11, 10], "score": [2, 1, 0]}
    _parquet(qrels, root / "qrels" / "test.parquet")
    configs = "".join(
        f"- config_name: {name}\n  data_files:\n  - split: test\n    path: {name}/test.parquet\n"
        for name in ("corpus", "queries", "qrels")
    )
    (root / "README.md").write_text(f"---\nconfigs:\n{configs}---\n")
    return root


def test_beir_style_hub_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = beir_hub(tmp_path / "hub")
    data = load_vidore_hub(str(hub), tmp_path / "cache")
    assert data.doc_ids == ["10", "11"] and data.query_ids == ["1", "2"]
    assert data.queries == ["red page?", "green page?"]
    assert data.qrels == {"1": {"10": 2}, "2": {"11": 1, "10": 0}}
    assert data.doc_paths[0].read_bytes() == png((255, 0, 0)) and data.doc_paths[0].suffix == ".png"
    assert data.meta["format"] == "hub" and data.name == str(hub)

    def offline(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the converted folder must be reused")

    monkeypatch.setattr("embedlab.data.vidore_hub.open_rows", offline)
    monkeypatch.setattr("embedlab.data.vidore_hub.config_names", offline)
    request = DatasetRequest("vidore", None, tmp_path / "cache", hub_id=str(hub))
    assert load_vidore(request).fingerprint == data.fingerprint


def test_v1_single_table(tmp_path: Path) -> None:
    """Pages deduplicated by file name, queries by text, null queries dropped, grade 1."""
    features = datasets.Features(
        {
            "query": datasets.Value("string"),
            "image": datasets.Image(),
            "image_filename": datasets.Value("string"),
        }
    )
    red, blue, grey = (
        {"bytes": png(c), "path": None} for c in ((255, 0, 0), (0, 0, 255), (9, 9, 9))
    )
    columns = {
        "query": ["what is red?", "what is blue?", None, "what is red?", "what is red?"],
        "image": [red, blue, grey, red, blue],
        "image_filename": ["r.png", "b.png", "g.png", "r.png", "b.png"],
    }
    _parquet(columns, tmp_path / "hub" / "data" / "test-00000-of-00001.parquet", features)
    data = load_vidore_hub(str(tmp_path / "hub"), tmp_path / "cache")
    assert data.doc_ids == ["r.png", "b.png", "g.png"]
    assert data.query_ids == ["q000000", "q000001"]
    assert data.queries == ["what is red?", "what is blue?"]
    assert data.qrels == {"q000000": {"r.png": 1, "b.png": 1}, "q000001": {"b.png": 1}}
    assert [p.read_bytes() for p in data.doc_paths] == [
        png(c) for c in ((255, 0, 0), (0, 0, 255), (9, 9, 9))
    ]


def test_hub_rows_missing_a_column(tmp_path: Path) -> None:
    hub = beir_hub(tmp_path / "hub", corpus_image=False)
    with pytest.raises(DataError) as info:
        load_vidore_hub(str(hub), tmp_path / "cache")
    message = str(info.value)
    assert "(subset corpus, split 'test') row 0: column 'image' holds no image bytes" in message
    assert "columns present: corpus-id, image" in message
    assert not any((tmp_path / "cache" / "vidore").glob("*-test"))  # nothing half-written


def test_hub_needs_the_network_or_a_local_copy(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="needs the Hugging Face dataset 'vidore/x'"):
        hub_source.config_names("vidore/x", purpose="loading vidore/x")


def test_registered_as_a_doc_retrieval_dataset(tmp_path: Path) -> None:
    from embedlab.data.doc_retrieval import DocRetrievalDataset
    from embedlab.data.registry import DATASETS, dataset_names, load_dataset

    assert dataset_names("doc-retrieval") == ["docpages", "vidore"]
    assert DATASETS.get("vidore").kind == "doc-retrieval"
    folder = make_folder(tmp_path / "set")
    data = load_dataset(DatasetRequest("vidore", folder, tmp_path / "cache"), DocRetrievalDataset)
    assert data.doc_ids == ["d0", "d1", "d2"] and data.name == "set"
