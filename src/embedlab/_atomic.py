"""Atomic file and folder writes, and the one place where file-system errors become user errors.

A file is written to a temporary file with a unique name (``tempfile.mkstemp``) in the target's
own folder, flushed, ``fsync``-ed, given the mode a plain ``open()`` would give it
(``0o666 & ~umask``; ``mkstemp`` alone would leave it ``0600``), then renamed over the target.
A reader therefore sees either the previous file or the complete new one, never a half-written
or 0-byte file, even if the process is killed mid-write; two processes writing the same target
never share a temporary name, and a failed write removes its temporary file.

Every ``OSError`` met while writing (full disk, read-only folder, a path component that is a
file, ...) is raised as one :class:`~embedlab.errors.ResultsError` line naming the target path
and the meaning of its errno (``os.strerror``, e.g. "No space left on device"), so the CLI prints
``error: ...`` and exits 2 instead of a traceback. :func:`ensure_writable_dir` proves a folder
writable before any work starts.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from embedlab.errors import ConfigError, ResultsError

#: Name prefix of the probe files of :func:`ensure_writable_dir`.
PROBE_PREFIX = ".embedlab-probe."
_SPACE = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_DENIED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def reason(exc: OSError) -> str:
    """The meaning of ``exc``'s errno (``os.strerror``), or its text when it has none."""
    if exc.errno:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__


def _hint(exc: OSError) -> str:
    if exc.errno in _SPACE:
        return "; free some space there or choose another folder"
    if exc.errno in _DENIED:
        return "; make it writable or choose another folder"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return "; a part of that path is a file where a folder is needed"
    return ""


def write_error(path: Path, exc: OSError) -> ResultsError:
    """The one-line error for an OS failure while writing ``path``."""
    return ResultsError(f"cannot write {path}: {reason(exc)}{_hint(exc)}")


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """The mode ``mkdir`` would give a new folder: ``0o777 & ~umask``."""
    return 0o777 & ~current_umask()


def _open_temp(folder: Path, name: str) -> tuple[BinaryIO, Path]:
    """A new, uniquely named temporary file in ``folder`` opened for binary writing.

    The low-level write of every atomic write; tests replace it to inject faults.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    return os.fdopen(fd, "wb"), Path(tmp)


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Create ``path`` atomically; ``write`` receives an open binary file to fill.

    Raises:
        ResultsError: the OS refused a step (the message names ``path`` and the errno's meaning);
            no temporary file is left behind and the previous ``path``, if any, is untouched.
    """
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = _open_temp(path.parent, path.name)
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            _remove_quietly(tmp)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from None
        raise


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    def write(handle: BinaryIO) -> None:
        handle.write(data)

    write_atomic(path, write)


def copy_atomic(source: Path, path: Path) -> None:
    """Copy the bytes of ``source`` to ``path`` atomically (fsync-ed, mode from the umask)."""
    def write(handle: BinaryIO) -> None:
        with open(source, "rb") as reader:
            shutil.copyfileobj(reader, handle)

    write_atomic(path, write)


def write_json_atomic(path: Path, obj: object) -> None:
    """Write ``obj`` atomically as indented UTF-8 JSON (keys in insertion order)."""
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    write_text_atomic(path, text + "\n")


def fsync_dir(folder: Path) -> None:
    """Make renames inside ``folder`` durable (best effort: not every OS can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def ensure_writable_dir(folder: Path, flag: str) -> None:
    """Create ``folder`` (with parents) and prove it writable: create, fill and remove a probe.

    Called before any work, so a bad ``--out`` or ``--cache-dir`` fails in a second rather than
    after hours of encoding. A disk that is full already fails here too (the probe's bytes
    cannot be written); one that fills up later fails at the write that meets it.

    Raises:
        ConfigError: one line naming ``flag``, the path and what is wrong (a file where a folder
            is needed, or the errno's meaning, e.g. "Read-only file system").
    """
    blocker = _file_in_the_way(folder)
    if blocker is not None:
        where = "is a file" if blocker == folder else f"cannot be created: {blocker} is a file"
        raise ConfigError(f"{flag} {folder} {where}, not a folder; pass a folder path")
    probe: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=PROBE_PREFIX, suffix=".probe", dir=folder)
        try:
            os.write(fd, b"embedlab write probe\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        Path(probe).unlink(missing_ok=True)  # missing: a lock holder's cleanup was first
    except OSError as exc:
        if probe is not None:
            _remove_quietly(Path(probe))
        raise ConfigError(
            f"{flag} {folder} is not writable: {reason(exc)}{_hint(exc)}"
        ) from None


def _file_in_the_way(folder: Path) -> Path | None:
    """``folder`` or its nearest existing ancestor, if that is not a folder."""
    for candidate in (folder, *folder.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
        except OSError:
            return None
    return None


def make_staging_dir(final: Path) -> Path:
    """A fresh empty folder next to ``final``, to be filled and then :func:`publish_dir`-ed."""
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        )
        staging.chmod(dir_mode())  # mkdtemp makes it private; a published folder should not be
    except OSError as exc:
        raise write_error(final, exc) from None
    return staging


def publish_dir(staging: Path, final: Path) -> None:
    """Rename ``staging`` to ``final``; if another process won the race, keep theirs."""
    try:
        os.rename(staging, final)
    except OSError as exc:
        if not final.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
            raise write_error(final, exc) from None
        shutil.rmtree(staging, ignore_errors=True)


def generated_once(final: Path, marker: str, generate: Callable[[Path], object]) -> Path:
    """``final``, filled by ``generate(folder)`` unless it already holds ``marker`` (a file the
    generator writes last, relative to ``final``).

    A folder without the marker (left incomplete by something else) is regenerated. The
    generator writes into a staging folder that is published whole (:func:`publish_dir`), so a
    crash never leaves a half-written ``final`` and concurrent callers keep the first one.
    """
    if (final / marker).is_file():
        return final
    if final.exists():
        shutil.rmtree(final)
    staging = make_staging_dir(final)
    try:
        generate(staging)
        publish_dir(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final

