"""Text-retrieval datasets in the BEIR layout (``--data-dir`` of the ``beir`` task).

::

    corpus.jsonl        one JSON object a line: "_id", "text", optional "title"
    queries.jsonl       one JSON object a line: "_id", "text"
    qrels/<split>.tsv   header "query-id<TAB>corpus-id<TAB>score", then one judgement a line

Ids may be JSON strings or integers (kept as strings); blank lines are skipped; a document's
``text`` may be empty, a query's may not. Scores are integer relevance grades (graded: 0, 1, 2,
...; a grade > 0 means relevant); a pair judged twice keeps its last grade, as BEIR's loader
does. Every format error is a :class:`DataError` naming the file, the line and the field.

A document is embedded as ``(title + " " + text).strip()``: BEIR's joiner (its
``SentenceBERT.encode_corpus`` with ``sep=" "``), which is just the stripped text when the title
is empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from embedlab._atomic import write_bytes_atomic
from embedlab.data.content import content_fingerprint
from embedlab.data.jsonl_records import id_objects, nonblank_lines
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.errors import ConfigError, DataError

CORPUS_FILE = "corpus.jsonl"
QUERIES_FILE = "queries.jsonl"
QRELS_DIR = "qrels"
QRELS_HEADER = ("query-id", "corpus-id", "score")
TITLE_JOINER = " "


@dataclass(frozen=True)
class BeirDataset:
    """A corpus, queries and graded judgements (see the module docstring).

    Attributes:
        qrels: ``{query id: {doc id: grade}}`` for every judged pair of the split, including
            pairs whose query or document is missing from the other files.
    """

    name: str
    split: str
    source: str
    doc_ids: list[str]
    doc_titles: list[str]
    doc_texts: list[str]
    query_ids: list[str]
    queries: list[str]
    qrels: dict[str, dict[str, int]]

    @property
    def documents(self) -> list[str]:
        """What is embedded per document: ``(title + " " + text).strip()``."""
        return [
            (title + TITLE_JOINER + text).strip()
            for title, text in zip(self.doc_titles, self.doc_texts, strict=True)
        ]

    @cached_property
    def fingerprint(self) -> str:
        """Content hash (:mod:`embedlab.data.content`) of every document (id, title, text),
        every query (id, text) and every judgement."""
        docs = [
            f"{i}|{title}|{text}"
            for i, title, text in zip(self.doc_ids, self.doc_titles, self.doc_texts, strict=True)
        ]
        queries = [f"{i}|{text}" for i, text in zip(self.query_ids, self.queries, strict=True)]
        judged = [f"{q}>{d}={g}" for q in sorted(self.qrels) for d, g in self.qrels[q].items()]
        return content_fingerprint(["beir", *docs, "|", *queries, "|", *judged])


def load_beir(data_dir: Path, split: str = "test", name: str | None = None) -> BeirDataset:
    """Read a BEIR folder.

    Args:
        data_dir: the folder holding ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/``.
        split: which ``qrels/<split>.tsv`` to read.
        name: dataset name for the results (default: the folder's name).

    Raises:
        DataError: a missing file or a malformed line (naming file, line and field).
    """
    corpus_path = _require(data_dir / CORPUS_FILE)
    qrels_path = data_dir / QRELS_DIR / f"{split}.tsv"
    if not qrels_path.is_file():
        found = sorted(p.stem for p in (data_dir / QRELS_DIR).glob("*.tsv"))
        have = f"splits found: {', '.join(found)}" if found else f"no {QRELS_DIR}/*.tsv at all"
        raise DataError(f"qrels file {qrels_path} does not exist ({have}); choose --split")
    doc_ids, titles, texts = [], [], []
    for _, record in _records(corpus_path, "document", allow_empty_text=True):
        doc_ids.append(record["_id"])
        titles.append(record["title"])
        texts.append(record["text"])
    query_ids, queries = [], []
    for _, record in _records(_require(data_dir / QUERIES_FILE), "query", allow_empty_text=False):
        query_ids.append(record["_id"])
        queries.append(record["text"])
    if not doc_ids:
        raise DataError(f"{corpus_path} holds no documents")
    return BeirDataset(
        name=name or data_dir.resolve().name,
        split=split,
        source=str(data_dir),
        doc_ids=doc_ids,
        doc_titles=titles,
        doc_texts=texts,
        query_ids=query_ids,
        queries=queries,
        qrels=read_qrels(qrels_path),
    )


def write_beir_files(
    out: Path,
    corpus: Sequence[Mapping[str, str]],
    queries: Sequence[Mapping[str, str]],
    qrels: Sequence[tuple[str, str, int]],
    split: str = "test",
) -> None:
    """Write ``corpus.jsonl``, ``queries.jsonl`` (one JSON object a line, as given) and
    ``qrels/<split>.tsv`` (header, then ``query-id<TAB>corpus-id<TAB>grade``), each atomically."""

    def jsonl(rows: Sequence[Mapping[str, str]]) -> bytes:
        return "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in rows).encode()

    lines = ["\t".join(QRELS_HEADER), *(f"{q}\t{d}\t{g}" for q, d, g in qrels)]
    write_bytes_atomic(out / CORPUS_FILE, jsonl(corpus))
    write_bytes_atomic(out / QUERIES_FILE, jsonl(queries))
    write_bytes_atomic(out / QRELS_DIR / f"{split}.tsv", ("\n".join(lines) + "\n").encode())


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``{query id: {doc id: grade}}`` from a BEIR qrels TSV with its header line."""
    qrels: dict[str, dict[str, int]] = {}
    header = True
    for number, line in nonblank_lines(path):
        fields = line.split("\t") if "\t" in line else line.split()
        fields = [f.strip() for f in fields]
        if header:
            if tuple(f.casefold() for f in fields) != QRELS_HEADER:
                raise DataError(
                    f"{path}:{number}: expected the header line "
                    f"{'<TAB>'.join(QRELS_HEADER)!r}, got {line!r}"
                )
            header = False
            continue
        if len(fields) != 3 or not fields[0] or not fields[1]:
            raise DataError(
                f"{path}:{number}: expected 3 tab-separated fields (query-id, corpus-id, "
                f"score), got {line!r}"
            )
        try:
            grade = int(fields[2])
        except ValueError:
            raise DataError(
                f"{path}:{number}: field 'score' must be an integer grade, got {fields[2]!r}"
            ) from None
        qrels.setdefault(fields[0], {})[fields[1]] = grade
    return qrels


def _records(path: Path, kind: str, allow_empty_text: bool) -> Iterator[tuple[int, dict[str, str]]]:
    """Validated ``{"_id", "title", "text"}`` of each line, with duplicate-id detection."""
    for number, item_id, raw in id_objects(path, kind):
        text, title = raw.get("text"), raw.get("title") or ""
        if not isinstance(text, str) or (not allow_empty_text and not text.strip()):
            raise DataError(
                f"{path}:{number}: {kind} {item_id!r} has no text (field 'text' must be a "
                f"{'string' if allow_empty_text else 'non-empty string'})"
            )
        if not isinstance(title, str):
            raise DataError(f"{path}:{number}: field 'title' of {item_id!r} must be a string")
        yield number, {"_id": item_id, "title": title, "text": text}


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataError(
            f"{path} does not exist; a BEIR folder holds {CORPUS_FILE}, {QUERIES_FILE} and "
            f"{QRELS_DIR}/<split>.tsv"
        )
    return path


@register_dataset(
    "beir", "text-retrieval", "a BEIR-layout folder: corpus, queries, qrels (--data-dir)"
)
def _load_registered(request: DatasetRequest) -> BeirDataset:
    if request.data_dir is None:
        raise ConfigError(
            "task 'beir' needs --data-dir: a folder with corpus.jsonl, queries.jsonl and "
            "qrels/<split>.tsv (or run the task beir-synthetic)"
        )
    return load_beir(request.data_dir, request.split)
