"""Atomic file and directory writes: write next to the target, then rename over it.

A crash or a Ctrl-C never leaves a half-written image, manifest or generated dataset behind: a
reader sees either nothing or the complete file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, obj: object) -> None:
    """Write ``obj`` atomically as indented UTF-8 JSON (keys in insertion order)."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    write_bytes_atomic(path, (text + "\n").encode("utf-8"))


def make_staging_dir(final: Path) -> Path:
    """A fresh empty directory next to ``final``, to be filled and then :func:`publish_dir`-ed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the published cache directory should not be
    return staging


def publish_dir(staging: Path, final: Path) -> None:
    """Rename ``staging`` to ``final``; if another process won the race, keep theirs."""
    try:
        os.rename(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)
