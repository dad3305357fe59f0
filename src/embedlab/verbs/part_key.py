"""The key of a finished (model, task) part: everything that determines its numbers.

Batch size, workers and the output folder do not enter it. The task's own parameter object is
hashed whole, so a new task parameter can never reuse a stale part; every path among its values
is stamped by the sizes and mtimes of the annotation files under it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from embedlab.config.run import RunConfig
from embedlab.core.clock import embedlab_version
from embedlab.models.base import ModelSpec
from embedlab.models.instructions import Instructions
from embedlab.tasks.base import TaskParams


def part_key(
    config: RunConfig,
    spec: ModelSpec,
    fingerprint: str,
    task: str,
    params: TaskParams,
    stamps: DataStamps,
    instructions: Instructions | None = None,
    rerank: Sequence[str | int] | None = None,
) -> str:
    """Hash of everything that determines a part's numbers (batch size and workers do not).

    The task's own parameter object is hashed whole, so a new task parameter can never reuse a
    stale part; every path among its values is stamped (annotation files' sizes and mtimes).
    An instruction-aware model's resolved instructions enter the key (absent for others, so
    their keys are unchanged); so does a two-stage part's reranker (``rerank``: its name,
    weights fingerprint, precision, runtime and candidate count; see
    :class:`~embedlab.verbs.late_plan.SecondStage`), and the slug names the pipeline.
    """
    values = params.model_dump(mode="json")
    paths = [v for v in params.model_dump().values() if isinstance(v, Path)]
    fields = {
        "version": embedlab_version(),
        "model": spec.name,
        "weights": fingerprint,
        "precision": spec.precision,
        "runtime": spec.runtime,
        "task": task,
        "params": values,
        "data": [stamps.of(path) for path in paths],
        "bootstrap": [config.bootstrap, config.confidence, config.seed],
    }
    if instructions is not None:
        fields["instructions"] = [instructions.query, instructions.document]
    if config.fast_decode:  # absent when exact, so earlier keys are unchanged
        fields["decode"] = "fast"
    slug = _slug(spec.name)[:40]
    if rerank is not None:
        fields["rerank"] = list(rerank)
        slug = f"{_slug(spec.name)[:24]}_then_{_slug(str(rerank[0]))[:24]}"
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    return f"{slug}__{task}__{digest.hexdigest()[:16]}"


class DataStamps:
    """:func:`_data_stamp` of each path, computed once per run."""

    def __init__(self) -> None:
        self._seen: dict[Path, list[str]] = {}

    def of(self, path: Path) -> list[str]:
        if path not in self._seen:
            self._seen[path] = _data_stamp(path)
        return self._seen[path]


def _data_stamp(path: Path) -> list[str]:
    """Name, sizes and mtimes of the annotation files at or under ``path``.

    Annotation files (json, jsonl, tsv, csv, txt, parquet) anywhere under a folder are stamped,
    so editing e.g. ``qrels/test.tsv`` invalidates a finished part; image files are stamped by
    the embedding cache instead (cheaper: only the ones a task reads).
    """
    if not path.exists():
        return [str(path)]
    files = [path] if path.is_file() else sorted(path.rglob("*"))
    stamp = [str(path.resolve())]
    for file in files:
        if file.suffix.lower() in _ANNOTATION_SUFFIXES and file.is_file():
            stat = file.stat()
            stamp.append(f"{file.relative_to(path.parent)}:{stat.st_size}:{stat.st_mtime_ns}")
    return stamp


_ANNOTATION_SUFFIXES = frozenset({".json", ".jsonl", ".tsv", ".csv", ".txt", ".parquet"})


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")
