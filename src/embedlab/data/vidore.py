"""Visual-document retrieval sets (ViDoRe-style) in the local folder layout::

    corpus.jsonl        one JSON object a line: "_id", "image" (path relative to the folder)
    queries.jsonl       one JSON object a line: "_id", "text"
    qrels/<split>.tsv   header "query-id<TAB>corpus-id<TAB>score", then one judgement a line

Ids may be JSON strings or integers (kept as strings); blank lines are skipped. Grades are BEIR's
(integers; > 0 is relevant; a pair judged twice keeps its last grade). An image path must be
relative, stay inside the folder, and name an existing file. Every format error is a
:class:`DataError` naming the file, the line and the field.

Hub datasets (``vidore/*``: the v1 single table and the BEIR-style subsets) are converted into
this layout once by :mod:`embedlab.data.vidore_hub` and then read by :func:`load_vidore_folder`;
:func:`load_vidore` picks one or the other from a :class:`DatasetRequest`. The synthetic
generator :mod:`embedlab.data.docpages` writes this layout too (:func:`write_vidore_folder`).

Registered as dataset ``vidore`` of kind ``doc-retrieval`` (the ``vidore`` task): ``--data-dir``
or ``--hub-id``; the generated set is dataset ``docpages`` (:mod:`embedlab.data.docpages`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from embedlab.data.beir import CORPUS_FILE, QRELS_DIR, QUERIES_FILE, read_qrels, write_beir_files
from embedlab.data.doc_retrieval import DocRetrievalDataset
from embedlab.data.jsonl_records import id_objects
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.errors import ConfigError, DataError

LAYOUT = f"{CORPUS_FILE} (_id, image), {QUERIES_FILE} (_id, text) and {QRELS_DIR}/<split>.tsv"


def load_vidore_folder(
    folder: Path, split: str = "test", name: str | None = None
) -> DocRetrievalDataset:
    """Read a folder in the layout of the module docstring.

    Raises:
        DataError: a missing file, a malformed line, or an image file that does not exist
            (naming file, line and field).
    """
    qrels_path = folder / QRELS_DIR / f"{split}.tsv"
    corpus_path, queries_path = _require(folder / CORPUS_FILE), _require(folder / QUERIES_FILE)
    if not qrels_path.is_file():
        found = sorted(p.stem for p in (folder / QRELS_DIR).glob("*.tsv"))
        have = f"splits found: {', '.join(found)}" if found else f"no {QRELS_DIR}/*.tsv at all"
        raise DataError(f"qrels file {qrels_path} does not exist ({have}); choose --split")
    doc_ids, paths = [], []
    for _, record in _records(corpus_path, "document", "image"):
        doc_ids.append(record["_id"])
        paths.append(_image_path(folder, corpus_path, record))
    query_ids, queries = [], []
    for _, record in _records(queries_path, "query", "text"):
        query_ids.append(record["_id"])
        queries.append(record["text"])
    if not doc_ids:
        raise DataError(f"{corpus_path} holds no documents")
    return DocRetrievalDataset(
        name=name or folder.resolve().name,
        split=split,
        source=str(folder),
        doc_ids=doc_ids,
        doc_paths=paths,
        query_ids=query_ids,
        queries=queries,
        qrels=read_qrels(qrels_path),
        meta={"format": "folder"},
    )


@register_dataset(
    "vidore", "doc-retrieval", "visual-document retrieval: page images (--data-dir or --hub-id)"
)
def load_vidore(request: DatasetRequest) -> DocRetrievalDataset:
    """``--data-dir`` (a folder) or ``--hub-id`` (a Hub dataset, converted once into the cache).

    Raises:
        ConfigError: neither was given.
    """
    if request.data_dir is not None:
        return load_vidore_folder(request.data_dir, request.split)
    if request.hub_id is None:
        raise ConfigError(
            f"dataset {request.name!r} needs --data-dir (a folder with {LAYOUT}) or --hub-id "
            "(a vidore/* dataset); 'embedlab generate docpages' writes a synthetic folder"
        )
    from embedlab.data.vidore_hub import load_vidore_hub

    return load_vidore_hub(request.hub_id, request.cache_dir, request.split)


def write_vidore_folder(
    out: Path,
    corpus: Sequence[tuple[str, str]],
    queries: Sequence[tuple[str, str]],
    qrels: Sequence[tuple[str, str, int]],
    split: str = "test",
    answers: Sequence[str] | None = None,
) -> None:
    """Write the three files: ``corpus`` as (id, relative image path), ``queries`` as (id,
    text), ``qrels`` as (query id, doc id, grade), and optionally each query's ``answer``
    (a documentation field the loader ignores). The image files are the caller's."""

    query_rows = [{"_id": i, "text": t} for i, t in queries]
    for row, answer in zip(query_rows, answers or [], strict=False):
        row["answer"] = answer
    corpus_rows = [{"_id": i, "image": p} for i, p in corpus]
    write_beir_files(out, corpus_rows, query_rows, qrels, split)


def _image_path(folder: Path, corpus_path: Path, record: dict[str, str]) -> Path:
    relative = PurePosixPath(record["image"].replace("\\", "/"))
    where = f"{corpus_path}:{record['line']}: field 'image' of document {record['_id']!r}"
    if relative.is_absolute() or ".." in relative.parts:
        raise DataError(f"{where} must be a path relative to {folder} (got {record['image']!r})")
    path = folder.joinpath(*relative.parts)
    if not path.is_file():
        raise DataError(f"{where} names {path}, which does not exist")
    return path


def _records(path: Path, kind: str, field: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``{"_id", field, "line"}`` of each line; ``field`` must be a non-empty string."""
    for number, item_id, raw in id_objects(path, kind):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise DataError(
                f"{path}:{number}: field {field!r} of {kind} {item_id!r} is missing or not a "
                "non-empty string"
            )
        yield number, {"_id": item_id, field: value, "line": str(number)}


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"{path} does not exist; a document-retrieval folder holds {LAYOUT}")
    return path
