"""Export folders cached on disk, created atomically.

Layout: ``<cache_dir>/exports/<key>/`` holding the exported files and ``meta.json`` (the parts
of the key, for humans). The key is a sha256 over everything that determines the exported
files: model fingerprint, runtime, precision, opset, exporter, and the versions of the packages
that wrote them. A folder is built in a temporary sibling and renamed into place, so a folder
that exists is complete; a killed export leaves only a ``.tmp-*`` folder, never a broken entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from embedlab._atomic import write_error
from embedlab.errors import ResultsError

#: Bumped when the layout or contents of an export folder change.
EXPORT_FORMAT = 1


def export_key(parts: Mapping[str, str]) -> str:
    """sha256 (first 24 hex digits) of the canonical JSON of ``parts`` plus the format."""
    payload = json.dumps({**parts, "export_format": str(EXPORT_FORMAT)}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def cached_export(
    root: Path, parts: Mapping[str, str], build: Callable[[Path], None]
) -> tuple[Path, bool]:
    """The export folder for ``parts`` under ``root``, built with ``build(folder)`` if missing.

    Args:
        root: the exports folder (``<cache_dir>/exports``).
        parts: what determines the export (see the module docstring); saved as ``meta.json``.
        build: fills an empty folder with the exported files.

    Returns:
        The folder, and whether it was built by this call (``False``: it was cached).

    Raises:
        ResultsError: the cache folder cannot be created or written.
    """
    final = root / export_key(parts)
    if final.is_dir():
        return final, False
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=root))
    except OSError as exc:
        raise ResultsError(f"cannot create the export cache folder {root}: {exc}") from exc
    try:
        build(scratch)
        meta = json.dumps({**parts, "export_format": str(EXPORT_FORMAT)}, indent=1)
        (scratch / "meta.json").write_text(meta, encoding="utf-8")
        _publish(scratch, final)
    except OSError as exc:  # a full or read-only disk while exporting: one line, no traceback
        raise write_error(final, exc) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final, True


def _publish(scratch: Path, final: Path) -> None:
    """Rename ``scratch`` to ``final``; if another process got there first, keep theirs."""
    try:
        os.rename(scratch, final)
    except OSError as exc:
        if not final.is_dir():
            raise ResultsError(f"cannot move the export into {final}: {exc}") from exc
