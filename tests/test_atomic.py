"""The write boundary: unique temporary names, cleanup, umask modes, OS errors as one line."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from embedlab import _atomic
from embedlab._atomic import ensure_writable_dir, write_text_atomic
from embedlab.errors import ConfigError, ResultsError
from tests.fixtures.full_disk import FullDiskFile


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_new_files_get_the_umask_mode(tmp_path: Path, umask_022: None) -> None:
    """mkstemp alone creates 0600; a published file must read like any other (0644)."""
    write_text_atomic(tmp_path / "a" / "x.json", "{}")
    assert stat.S_IMODE((tmp_path / "a" / "x.json").stat().st_mode) == 0o644
    os.umask(0o077)
    write_text_atomic(tmp_path / "y.json", "{}")
    assert stat.S_IMODE((tmp_path / "y.json").stat().st_mode) == 0o600


def _full_after(nbytes: int) -> object:
    """An ``_open_temp`` whose files accept ``nbytes`` bytes, then fail with ENOSPC."""
    real = _atomic._open_temp

    def open_temp(folder: Path, name: str) -> tuple[BinaryIO, Path]:
        handle, tmp = real(folder, name)
        return FullDiskFile(handle, nbytes), tmp  # type: ignore[return-value]

    return open_temp


def test_full_disk_is_one_line_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "results.json"
    target.write_text("old")
    monkeypatch.setattr(_atomic, "_open_temp", _full_after(3))
    with pytest.raises(ResultsError) as info:
        write_text_atomic(target, "new contents")
    message = str(info.value)
    assert message.startswith(f"cannot write {target}: No space left on device")
    assert "\n" not in message
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"], "temp file left"


def test_write_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ResultsError, match=r"plain/sub/f\.txt: Not a directory; a part"):
        write_text_atomic(tmp_path / "plain" / "sub" / "f.txt", "x")


def test_ensure_writable_dir_creates_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    ensure_writable_dir(folder, "--out")
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize("below", [False, True])
def test_ensure_writable_dir_names_the_file_in_the_way(tmp_path: Path, below: bool) -> None:
    (tmp_path / "results.txt").write_text("x")
    folder = tmp_path / "results.txt" / "sub" if below else tmp_path / "results.txt"
    with pytest.raises(ConfigError, match=r"^--out .*results\.txt.* is a file, not a folder"):
        ensure_writable_dir(folder, "--out")
