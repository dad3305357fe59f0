"""Publish a run's results as one set: ``results.json``, ``results.csv`` and ``outcomes/``.

``results.json`` is the manifest: it lists the outcome files (``RunLog.outcomes``) and holds the
rows that ``results.csv`` repeats as a table. Run verbs name outcome files by the part key
(``outcomes/<model>__<task>__<digest>.parquet``, the digest hashing everything that determines
the numbers), so a name never changes meaning: a new result gets a new name.

Publishing order (:func:`publish_results`):

1. **Stage.** Every new file is written into a fresh staging folder
   ``<out>/.embedlab/staging-*`` (outcome files not already published, extra files such as
   ``speed_samples.json``, then ``results.csv``, then ``results.json``), each fsync-ed and given
   the umask's mode. All bytes are written here, so a full disk, a quota or an I/O error can
   only fail this step: the staging folder is removed and the published set is untouched.
2. **Add outcome files.** Staged outcome files are renamed into ``<out>/outcomes/``. They have
   names the published manifest does not list, so readers of it are not affected.
3. **Swap the tables.** Extra files, ``results.csv``, then ``results.json`` are renamed over
   the old ones (each rename is atomic); the rename of ``results.json`` is the commit point, and
   the folder is fsync-ed after it.
4. **Clean up.** Files in ``outcomes/`` that the new manifest does not list (the previous run's,
   an interrupted publish's) are removed, and the staging folder.

What a reader can observe: ``results.json`` is always a complete manifest, the old one until
the commit and the new one after it, and every outcome file it lists exists (except for a
reader that read the old manifest before the commit and opens its outcome files only after
step 4 removed them: it gets a "missing file" error, never another run's numbers). No reader
ever sees a partly written or 0-byte file. ``results.csv`` is replaced one rename before
``results.json``: during that instant (or if the process is killed exactly between the two
renames) the table is new while the manifest is old; read ``results.json`` when that matters.
A single rename cannot switch several files; the alternative that can (a ``current`` symlink to
a versioned folder) would make every published file a symlink, which copies, archives and
other tools handle badly, so it was not chosen.

Publishing assumes its caller holds the folder's lock (:mod:`embedlab.results.lock`), whose
acquisition removes what an interrupted publish left (:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import csv
import filecmp
import io
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from embedlab._atomic import (
    PROBE_PREFIX,
    copy_atomic,
    fsync_dir,
    write_error,
    write_text_atomic,
)
from embedlab.results.parts import STATE_DIR
from embedlab.results.schema import MetricRow, RunLog

RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
OUTCOMES_DIR = "outcomes"
STAGING_PREFIX = "staging-"


def metrics_csv(rows: list[MetricRow]) -> str:
    """The metric rows as CSV text with a header (one row per metric)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(MetricRow.model_fields))
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump())
    return buffer.getvalue()


def publish_results(
    out: Path,
    log: RunLog,
    outcomes: Mapping[str, Path] | None = None,
    extra_texts: Mapping[str, str] | None = None,
) -> Path:
    """Publish ``log`` into ``out`` as one set (see the module docstring); the manifest's path.

    Args:
        out: the run folder.
        log: the RunLog; every outcome file it lists must exist in ``out`` after publishing.
        outcomes: outcome files to publish, ``{path relative to out: source file}``; a file
            already published under that name with the same bytes is not copied again.
        extra_texts: other files of the set, ``{name in out: text}`` (e.g.
            ``speed_samples.json``), published just before ``results.csv``.

    Raises:
        ResultsError: the OS refused a write (names the file and the errno's meaning); the
            previously published set is then unchanged.
    """
    state = out / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=state))
    except OSError as exc:
        raise write_error(out / RESULTS_JSON, exc) from None
    try:
        moves: list[tuple[Path, Path]] = []
        for relative, source in (outcomes or {}).items():
            final = out / relative
            if final.is_file() and filecmp.cmp(source, final, shallow=False):
                continue
            staged = staging / relative
            copy_atomic(source, staged)
            moves.append((staged, final))
        tables = {**(extra_texts or {}), RESULTS_CSV: metrics_csv(log.metrics)}
        tables[RESULTS_JSON] = log.model_dump_json(indent=2) + "\n"  # the manifest, last
        for name, text in tables.items():
            write_text_atomic(staging / name, text)
            moves.append((staging / name, out / name))
        _rename_all(moves, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    remove_unlisted_outcomes(out, log)
    return out / RESULTS_JSON


def _rename_all(moves: list[tuple[Path, Path]], out: Path) -> None:
    folders: set[Path] = set()
    for staged, final in moves:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)
        except OSError as exc:
            raise write_error(final, exc) from None
        folders.add(final.parent)
    for folder in sorted(folders, key=lambda f: f == out):  # the run folder (commit) last
        fsync_dir(folder)


def remove_unlisted_outcomes(out: Path, log: RunLog) -> list[Path]:
    """Remove ``out/outcomes/*.parquet`` files that ``log`` does not list; the removed paths."""
    folder = out / OUTCOMES_DIR
    if not folder.is_dir():
        return []
    listed = {(out / o.path).resolve() for o in log.outcomes}
    removed = []
    for path in sorted(folder.glob("*.parquet")):
        if path.resolve() not in listed:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # after the commit: the set is consistent, the file only clutters
                continue
            removed.append(path)
    return removed


def remove_leftovers(out: Path) -> None:
    """Remove what an interrupted writer of ``out`` left: staging folders, temporary files.

    Only the holder of the folder's lock may call this (no other writer can be mid-write).
    """
    state = out / STATE_DIR
    for staging in state.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(staging, ignore_errors=True)
    for folder in (out, state / "parts", out / OUTCOMES_DIR):
        for tmp in [*folder.glob(".*.tmp"), *folder.glob(f"{PROBE_PREFIX}*.probe")]:
            with contextlib.suppress(OSError):
                tmp.unlink()
