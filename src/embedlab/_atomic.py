"""Atomic file and folder writes: write to a temporary file in the same folder, then rename.

A reader therefore sees either the previous file or the complete new one, never a half-written
file, even if the process is killed mid-write.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Create ``path`` atomically; ``write`` receives an open binary file to fill."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    def write(handle: BinaryIO) -> None:
        handle.write(data)

    write_atomic(path, write)


def write_json_atomic(path: Path, obj: object) -> None:
    """Write ``obj`` atomically as indented UTF-8 JSON (keys in insertion order)."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    write_text_atomic(path, text + "\n")


def make_staging_dir(final: Path) -> Path:
    """A fresh empty folder next to ``final``, to be filled and then :func:`publish_dir`-ed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a published cache folder should not be
    return staging


def publish_dir(staging: Path, final: Path) -> None:
    """Rename ``staging`` to ``final``; if another process won the race, keep theirs."""
    try:
        os.rename(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)
