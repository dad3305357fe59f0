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
