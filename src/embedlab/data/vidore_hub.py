"""ViDoRe datasets from the Hugging Face Hub, converted once into the local folder layout.

Two published formats, told apart by the dataset's subsets:

- **BEIR style** (ViDoRe v2/v3: subsets ``corpus``, ``queries``, ``qrels``): ``corpus`` rows
  hold ``corpus-id`` (or ``corpus_id``) and ``image``; ``queries`` rows ``query-id`` (or
  ``query_id``) and ``query`` (or ``text``); ``qrels`` rows ``query-id``, ``corpus-id`` and
  ``score`` (a graded relevance).
- **v1 single table** (``vidore/docvqa_test_subsampled`` ...: columns ``query``, ``image``,
  optional ``image_filename``): one row per (query, page), ``query`` null for a page without
  one. As vidore-benchmark's QA evaluator: pages are deduplicated (by ``image_filename``, else by
  the image bytes), queries by text (nulls dropped), and each query is judged grade 1 on the
  page of every row it appears in. Page ids are the file names (else ``page000000``...), query
  ids ``q000000``... in order of first appearance.

The rows are read through :mod:`embedlab.data.hub_source` (streaming, images undecoded, the Hub
probe, errors as one line) and written to ``<cache>/vidore/<hub id slug>-<split>/`` in the
layout of :mod:`embedlab.data.vidore` (page images in ``images/``), staged and published
atomically. Later loads read that folder, offline and without ``datasets``; delete it to
re-read the Hub.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from embedlab._atomic import make_staging_dir, publish_dir, write_bytes_atomic
from embedlab.core.progress import rich_progress
from embedlab.data.beir import QRELS_DIR
from embedlab.data.doc_retrieval import DocRetrievalDataset
from embedlab.data.hub_source import config_names, open_rows
from embedlab.data.vidore import load_vidore_folder, write_vidore_folder
from embedlab.errors import DataError

BEIR_SUBSETS = ("corpus", "queries", "qrels")
Row = Mapping[str, Any]
Judged = list[tuple[str, str, int]]


def load_vidore_hub(hub_id: str, cache_dir: Path, split: str = "test") -> DocRetrievalDataset:
    """The ``split`` of the Hub dataset (or local dataset folder) ``hub_id``.

    Raises:
        DataError: the dataset cannot be read, or a row lacks a column (naming subset, row and
            column), or an image cannot be decoded.
        MissingDependencyError: ``datasets`` is not installed (first load only).
    """
    final = cache_dir / "vidore" / f"{_slug(hub_id)}-{split}"
    if not (final / QRELS_DIR / f"{split}.tsv").is_file():
        if final.exists():  # left incomplete by something else: rebuild
            shutil.rmtree(final)
        staging = make_staging_dir(final)
        try:
            subsets = config_names(hub_id, purpose=f"loading {hub_id}")
            convert = _convert_beir if set(BEIR_SUBSETS) <= set(subsets) else _convert_table
            convert(hub_id, split, staging)
            publish_dir(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    dataset = load_vidore_folder(final, split, name=hub_id)
    dataset.meta.update({"format": "hub", "hub_id": hub_id, "folder": str(final)})
    return dataset


def _convert_beir(hub_id: str, split: str, out: Path) -> None:
    corpus: list[tuple[str, str]] = []
    for where, row in _rows(hub_id, split, "corpus"):
        doc_id = _column(row, ("corpus-id", "corpus_id"), where)
        corpus.append((doc_id, _save_image(row, where, out, len(corpus))))
    queries = [
        (_column(row, ("query-id", "query_id"), where), _column(row, ("query", "text"), where))
        for where, row in _rows(hub_id, split, "queries")
    ]
    qrels: Judged = []
    for where, row in _rows(hub_id, split, "qrels"):
        grade = _column(row, ("score",), where)
        if not re.fullmatch(r"-?\d+", grade):
            raise DataError(f"{where}: column 'score' must be an integer grade, got {grade!r}")
        qrels.append(
            (
                _column(row, ("query-id", "query_id"), where),
                _column(row, ("corpus-id", "corpus_id"), where),
                int(grade),
            )
        )
    write_vidore_folder(out, corpus, queries, qrels, split)


def _convert_table(hub_id: str, split: str, out: Path) -> None:
    corpus: list[tuple[str, str]] = []
    page_of: dict[str, str] = {}  # dedup key -> page id
    query_of: dict[str, str] = {}  # query text -> query id
    qrels: Judged = []
    judged: set[tuple[str, str]] = set()
    for where, row in _rows(hub_id, split, None):
        data = _image_bytes(row, where)
        filename = row.get("image_filename")
        key = filename if isinstance(filename, str) and filename else _digest(data)
        if key not in page_of:
            page_id = key if key == filename else f"page{len(corpus):06d}"
            page_of[key] = page_id
            corpus.append((page_id, _save_image(row, where, out, len(corpus))))
        text = row.get("query")
        if text is None or (isinstance(text, str) and not text.strip()):
            continue
        if not isinstance(text, str):
            raise DataError(f"{where}: column 'query' must be text or null, got {text!r}")
        query_id = query_of.setdefault(text, f"q{len(query_of):06d}")
        if (query_id, page_of[key]) not in judged:
            judged.add((query_id, page_of[key]))
            qrels.append((query_id, page_of[key], 1))
    if not query_of:
        raise DataError(f"{hub_id} (split {split!r}) has no row with a 'query'")
    queries = [(query_id, text) for text, query_id in query_of.items()]
    write_vidore_folder(out, corpus, queries, qrels, split)


def _rows(hub_id: str, split: str, subset: str | None) -> Iterator[tuple[str, Row]]:
    """``(where, row)`` of one subset; ``where`` names the row in messages."""
    label = f"{hub_id} {subset or ''} ({split})".replace("  ", " ")
    rows = open_rows(hub_id, split, purpose=f"loading {hub_id}", config=subset)
    with rich_progress(f"reading {label}", None) as advance:
        for index, row in enumerate(rows):
            advance(1)
            where = f"{hub_id} ({'subset ' + subset + ', ' if subset else ''}split {split!r})"
            yield f"{where} row {index}", row


def _column(row: Row, names: tuple[str, ...], where: str) -> str:
    for name in names:
        value = row.get(name)
        if value is not None and str(value).strip():
            return str(value)
    raise DataError(
        f"{where} has no {' or '.join(repr(n) for n in names)} value; columns present: "
        f"{', '.join(sorted(row))}"
    )


def _image_bytes(row: Row, where: str) -> bytes:
    value = row.get("image")
    if isinstance(value, Mapping):
        data, path = value.get("bytes"), value.get("path")
        if not data and isinstance(path, str) and Path(path).is_file():
            data = Path(path).read_bytes()
        if isinstance(data, bytes) and data:
            return data
    raise DataError(
        f"{where}: column 'image' holds no image bytes; columns present: {', '.join(sorted(row))}"
    )


def _save_image(row: Row, where: str, out: Path, index: int) -> str:
    """Write the row's image as ``images/<index>.<format>``; return that relative path."""
    from PIL import Image, UnidentifiedImageError

    data = _image_bytes(row, where)
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = (image.format or "png").lower()
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{where}: column 'image' cannot be decoded ({exc})") from None
    relative = f"images/{index:06d}.{'jpg' if fmt == 'jpeg' else fmt}"
    write_bytes_atomic(out / relative, data)
    return relative


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _slug(hub_id: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", hub_id).strip("_.")[-48:]
    return f"{readable}-{hashlib.sha256(hub_id.encode('utf-8')).hexdigest()[:8]}"
