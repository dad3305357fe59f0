"""A warning when several image entries of a dataset point at one image file.

Two entries (Karpathy ``images[]``, ``captions.jsonl`` lines, class-folder files reached through
a symlink) that resolve to the same file become two images with different ids: in retrieval each
is a wrong answer for the other's captions, in classification the one photo counts twice. The
run goes on; one :class:`~embedlab.errors.DataWarning` line (once per process) gives the count
and an example.
Paths are compared after :func:`os.path.realpath` (symlinks, ``..``) and ``os.path.normcase``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from embedlab.data.notices import warn_data


def warn_shared_image_files(
    name: str, source: str, ids: Sequence[str], paths: Sequence[Path]
) -> int:
    """Warn once if some image file is named by more than one entry; returns the extra entries."""
    first: dict[str, str] = {}
    shared: dict[str, list[str]] = {}
    for image_id, path in zip(ids, paths, strict=True):
        key = os.path.normcase(os.path.realpath(path))
        if key in first:
            shared.setdefault(key, [first[key]]).append(image_id)
        else:
            first[key] = image_id
    if not shared:
        return 0
    extra = sum(len(v) - 1 for v in shared.values())
    file, named = next(iter(shared.items()))
    warn_data(
        f"dataset {name!r} ({source}): {len(shared)} image file(s) are used by more than one "
        f"image entry ({extra} extra entries), e.g. {file} is images "
        f"{', '.join(map(repr, named[:3]))}; each entry counts as a separate image"
    )
    return extra
