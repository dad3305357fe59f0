"""One writer per output folder: ``<out>/.embedlab/lock``.

:func:`output_lock` holds an exclusive, non-blocking ``flock`` on ``<out>/.embedlab/lock`` for
as long as a command writes into ``<out>``, and records in the file who holds it (pid, host,
command, start time). A second command on the same folder fails at once with a
:class:`~embedlab.errors.ConfigError` naming that pid and host, instead of both "succeeding"
while one's results are lost.

The kernel drops an ``flock`` when its process dies, however it dies, so a lock left by a killed
run on this host is free: the next run takes it over with a :class:`StaleLockWarning` naming the
dead run. A lock recorded by another host (a folder shared over the network) is only taken over
by deleting the file, because whether that process still runs cannot be checked from here; the
error says so. On release the file is removed while still locked; a process that opened it just
before checks, after locking, that the path still names the file it locked, and retries if not.

Whoever holds the lock is the only writer of the folder, so on acquiring it the leftovers of an
interrupted writer (staging folders, temporary files) are removed
(:func:`embedlab.results.publish.remove_leftovers`).
"""

from __future__ import annotations

import json
import os
import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from embedlab._atomic import file_mode, write_error
from embedlab.core.clock import utc_now
from embedlab.errors import ConfigError
from embedlab.results.parts import STATE_DIR
from embedlab.results.publish import remove_leftovers

LOCK_NAME = "lock"


class StaleLockWarning(UserWarning):
    """A lock left by a run that is no longer running was taken over."""


def lock_path(out: Path) -> Path:
    """Where the lock of output folder ``out`` lives."""
    return out / STATE_DIR / LOCK_NAME


@contextmanager
def output_lock(out: Path, command: str, flag: str = "--out") -> Iterator[Path]:
    """Hold the lock of output folder ``out`` for the duration of the ``with`` block.

    Args:
        out: the output folder (created if missing).
        command: what is writing, recorded for the error another run will show
            (e.g. ``"embedlab run"``).
        flag: how the folder is named in messages.

    Raises:
        ConfigError: another live process holds the lock (names its pid, host, command and
            start time), or a lock recorded by another host is present.
    """
    path = lock_path(out)
    fd = _acquire(path, command, out, flag)
    try:
        remove_leftovers(out)
        yield path
    finally:
        _release(path, fd)


def _acquire(path: Path, command: str, out: Path, flag: str) -> int:
    import fcntl

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(path, exc) from None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode())
        except OSError as exc:
            raise write_error(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _describe(_read_holder(path))
            raise ConfigError(
                f"{flag} {out} is in use by another embedlab run ({holder}); wait for it to "
                f"finish or choose another {flag}"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise write_error(path, exc) from None
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder released and removed it between our open and lock: retry
    try:
        _take_over(fd, path, out, flag)
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                  "started": utc_now()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)
    except OSError as exc:
        os.close(fd)
        raise write_error(path, exc) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _take_over(fd: int, path: Path, out: Path, flag: str) -> None:
    """Check what the lock we now hold recorded; warn when it was left by a dead run."""
    previous = _parse(os.pread(fd, 4096, 0))
    if not previous:
        return
    if previous.get("host") != socket.gethostname():
        raise ConfigError(
            f"{flag} {out} is locked by an embedlab run on another host ({_describe(previous)}); "
            f"if that run is no longer running, delete {path}"
        )
    warnings.warn(
        f"taking over the lock of {out}: the embedlab run that held it "
        f"({_describe(previous)}) is no longer running",
        StaleLockWarning,
        stacklevel=4,
    )


def _release(path: Path, fd: int) -> None:
    try:
        path.unlink(missing_ok=True)  # still locked: whoever opened it before retries
    except OSError:
        pass
    finally:
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        return _parse(path.read_bytes())
    except OSError:
        return {}


def _parse(data: bytes) -> dict[str, Any]:
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _describe(record: dict[str, Any]) -> str:
    if not record:
        return "pid unknown: it is starting"
    return (
        f"pid {record.get('pid', '?')} on host {record.get('host', '?')}, "
        f"{record.get('command', 'embedlab')}, since {record.get('started', '?')}"
    )
