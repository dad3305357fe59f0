"""Leaf helpers: the default cache folder's precedence and RunLog timestamps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from embedlab.core.clock import embedlab_version, utc_now
from embedlab.core.paths import default_cache_dir


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "own"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "own"
    monkeypatch.delenv("EMBEDLAB_CACHE")
    assert default_cache_dir() == tmp_path / "xdg" / "embedlab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "embedlab"


def test_timestamps_are_utc_to_the_second() -> None:
    stamp = datetime.fromisoformat(utc_now())
    assert stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0
    assert stamp.microsecond == 0
    assert embedlab_version() != ""


def test_available_ram_reads_memavailable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from embedlab.core.ram import available_ram_bytes

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 100 kB\nMemFree: 10 kB\nMemAvailable:  2048 kB\n")
    assert available_ram_bytes(meminfo) == 2048 * 1024
    assert (available_ram_bytes() or 0) > 0  # this machine's own /proc/meminfo (or psutil)
