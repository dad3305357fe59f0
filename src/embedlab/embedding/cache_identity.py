"""What identifies an embedding cache entry: the model, the tower, the role and the items.

:func:`cache_parts` are the key parts of an entry (shared by the provider, the cache-only reader
``embedding/cached.py`` and the multi-vector fill); :func:`image_items` / :func:`text_items` are
the item fingerprints that enter them: each id with its file's size and mtime, or with its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from embedlab.data.types import fingerprint_ids
from embedlab.models.base import ModelSpec


def cache_parts(
    spec: ModelSpec, fingerprint: str, modality: str, role: str, dataset: str, items: str
) -> dict[str, str]:
    """What keys a cache entry (shared with the cache-only reader, embedding/cached.py)."""
    return {
        "model": spec.name,
        "weights": fingerprint,
        "precision": spec.precision,
        "runtime": spec.runtime,
        "modality": modality,
        "role": role,
        "dataset": dataset,
        "items": items,
    }


def image_items(ids: Sequence[str], paths: Sequence[Path]) -> str:
    """The item fingerprint of images: each id with its file's size and mtime."""
    return fingerprint_ids([f"{i}|{_file_stamp(p)}" for i, p in zip(ids, paths, strict=True)])


def text_items(ids: Sequence[str], texts: Sequence[str]) -> str:
    """The item fingerprint of texts: each id with its text."""
    return fingerprint_ids([f"{i}|{t}" for i, t in zip(ids, texts, strict=True)])


def _file_stamp(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{stat.st_size}:{stat.st_mtime_ns}"
