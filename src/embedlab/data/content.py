"""Content fingerprints of datasets: what ``compare`` checks before pairing two runs' queries.

A dataset's ``fingerprint`` hashes everything that defines its queries and documents: ids, texts
(captions, queries, documents, alternatives, templates), relevance (caption→image mapping,
qrels, labels) and the **bytes** of every image file. It is :data:`PREFIX` followed by 20 hex
digits of a sha256 over length-prefixed fields (so ``["a\\nb"]`` and ``["a", "b"]`` differ).
Fingerprints without the prefix come from embedlab versions that hashed ids only; ``compare``
refuses them as unverifiable.

Image files are hashed whole (sha256 of the bytes), not stamped by size and modification time:
a stamp changes when a dataset is copied to another machine (refusing identical data) and can
miss an edit that keeps both. The cost, measured on a generated folder of 5,000 files of 160 kB
(782 MB, about COCO's Karpathy test split) on the 2-core development box, files in the page
cache: 0.7 s idle, 1.6-3.2 s under load (docs/reliability.md gives the command), small beside
encoding those images. Each file's digest is remembered for the process by (path, size,
mtime_ns), so a run that fingerprints one dataset for several models reads every file once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

PREFIX = "content:"
_CHUNK = 1 << 20
_DIGESTS: dict[tuple[str, int, int], str] = {}


def content_fingerprint(fields: Iterable[str]) -> str:
    """``PREFIX`` + 20 hex digits of sha256 over ``len(field):field`` for each field in order."""
    h = hashlib.sha256()
    for text in fields:
        data = text.encode("utf-8")
        h.update(f"{len(data)}:".encode())
        h.update(data)
    return PREFIX + h.hexdigest()[:20]


def file_digest(path: Path) -> str:
    """sha256 hex digest of the bytes of ``path`` (``"missing"`` if it cannot be read).

    Remembered per process by (absolute path, size, mtime_ns).
    """
    name = os.path.abspath(path)
    try:
        stat = os.stat(name)
    except OSError:
        return "missing"
    key = (name, stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        try:
            with open(name, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    h.update(chunk)
        except OSError:
            return "missing"
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def image_fields(ids: Iterable[str], paths: Iterable[Path]) -> list[str]:
    """``"<id>=<sha256 of the file>"`` for each image."""
    return [f"{i}={file_digest(p)}" for i, p in zip(ids, paths, strict=True)]
