"""Where embedlab keeps its caches by default."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$EMBEDLAB_CACHE``, else ``$XDG_CACHE_HOME/embedlab``, else ``~/.cache/embedlab``."""
    if env := os.environ.get("EMBEDLAB_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "embedlab"
